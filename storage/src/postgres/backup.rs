//! PostgreSQL's side of backups and restores (see `crate::backup`): its names for a table's
//! columns and for rows from JSON, its search entries, and its id sequences.

use super::posts::search_row;
use super::PgStore;
use sqlx::PgConnection;

/// Tables whose `id` an identity sequence draws.
const IDENTITY_TABLES: [&str; 6] = ["channels", "posts", "operators", "audit_log", "subscribers", "events"];

impl PgStore {
    pub(crate) const COLUMNS_SQL: &'static str = "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";

    /// `SELECT <columns> FROM <the JSON array bound as $1>`: PostgreSQL reads each value as
    /// the column's type.
    pub(crate) fn rows_from_json(table: &str, columns: &[String]) -> String {
        let names: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        format!("SELECT {} FROM json_populate_recordset(NULL::{table}, CAST($1 AS json))", names.join(", "))
    }

    /// Search entries for restored posts (`(id, search body)`), as publishing writes them.
    pub(crate) async fn index_posts(&self, tx: &mut PgConnection, posts: &[(i64, String)]) -> Result<(), sqlx::Error> {
        let levels: Vec<i32> = self.search_levels.iter().map(|&l| l as i32).collect();
        for (id, body) in posts {
            let (lexemes, folded) = search_row(body);
            sqlx::query(
                "UPDATE posts SET search_folded = $4,
                   search_tokens = array_to_tsvector($2::text[] || ARRAY(
                     SELECT 'b' || level || '_' || ($1 >> level) FROM unnest($3::int[]) AS level))
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&lexemes)
            .bind(&levels)
            .bind(&folded)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Moves each id sequence past the largest id restored, so that new rows do not
    /// collide with restored ones.
    pub(crate) async fn after_restore(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        for table in IDENTITY_TABLES {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(max(id), 0) + 1, false) FROM {table}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}
