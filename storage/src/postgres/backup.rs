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

    /// Search entries for restored posts (`(id, search body)`), as publishing writes them:
    /// one statement for the batch (each post's lexemes travel as one text, joined by a
    /// character no lexeme holds).
    pub(crate) async fn index_posts(&self, tx: &mut PgConnection, posts: &[(i64, String)]) -> Result<(), sqlx::Error> {
        const SEPARATOR: char = '\u{1f}';
        let levels: Vec<i32> = self.search_levels.iter().map(|&l| l as i32).collect();
        let mut ids = Vec::with_capacity(posts.len());
        let mut lexemes = Vec::with_capacity(posts.len());
        let mut folded = Vec::with_capacity(posts.len());
        for (id, body) in posts {
            let (post_lexemes, post_folded) = search_row(body);
            ids.push(*id);
            lexemes.push(post_lexemes.join(&SEPARATOR.to_string()));
            folded.push(post_folded);
        }
        sqlx::query(
            "UPDATE posts p SET search_folded = u.folded,
               search_tokens = array_to_tsvector(string_to_array(u.lexemes, chr(31)) || ARRAY(
                 SELECT 'b' || level || '_' || (p.id >> level) FROM unnest($4::int[]) AS level))
             FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, lexemes, folded)
             WHERE p.id = u.id",
        )
        .bind(&ids)
        .bind(&lexemes)
        .bind(&folded)
        .bind(&levels)
        .execute(&mut *tx)
        .await?;
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
        // The restored events are history, not news for the streams: placed as they were
        // (the backup, in SQLite's form, orders them by id).
        sqlx::query("UPDATE events SET position = id WHERE position IS NULL").execute(&mut *tx).await?;
        sqlx::query("UPDATE event_positions SET last = (SELECT COALESCE(max(position), 0) FROM events) WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
