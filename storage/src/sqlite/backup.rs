//! SQLite's side of backups and restores (see `crate::backup`): its names for a table's
//! columns and for rows from JSON, and its search entries.

use super::SqliteStore;
use domain::search::word_windows;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

impl SqliteStore {
    pub(crate) const COLUMNS_SQL: &'static str = "SELECT name FROM pragma_table_info($1) ORDER BY cid";

    /// `SELECT <columns> FROM <the JSON array bound as $1>`.
    pub(crate) fn rows_from_json(_table: &str, columns: &[String]) -> String {
        let values: Vec<String> =
            columns.iter().map(|c| format!("json_extract(value, '$.\"{}\"')", c.replace('\'', "''"))).collect();
        format!("SELECT {} FROM json_each($1)", values.join(", "))
    }

    /// Search entries for restored posts (`(id, search body)`), as publishing writes them.
    pub(crate) async fn index_posts(
        &self,
        tx: &mut SqliteConnection,
        posts: &[(i64, String)],
    ) -> Result<(), sqlx::Error> {
        if posts.is_empty() {
            return Ok(());
        }
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO posts_trigram (rowid, body) ");
        q.push_values(posts, |mut row, (id, body)| {
            row.push_bind(*id).push_bind(body.clone());
        });
        q.build().execute(&mut *tx).await?;
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO posts_words (rowid, body) ");
        q.push_values(posts, |mut row, (id, body)| {
            row.push_bind(*id).push_bind(word_windows(body));
        });
        q.build().execute(&mut *tx).await?;
        Ok(())
    }

    /// Nothing to do: `AUTOINCREMENT` counters move past the largest id inserted.
    pub(crate) async fn after_restore(&self, _tx: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }
}
