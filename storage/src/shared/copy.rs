//! Rows as JSON, for backups and restores: a table's rows are read as JSON objects from one
//! database and written from them into another, of either engine, so one loop
//! (`crate::backup`) copies every table whatever the engines at each end. Each engine turns
//! JSON into typed columns itself (SQLite's `json_each`, PostgreSQL's
//! `json_populate_recordset`), so no value passes through a Rust type on the way.

use crate::backup::{Rows, Table};
use async_trait::async_trait;
use serde_json::Value;

/// `"name"`: names come from the console's own schema, quoted all the same.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

on_both_engines! {
    #[async_trait]
    impl Rows for Conn {
        async fn columns(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
            sqlx::query_scalar(Store::COLUMNS_SQL).bind(table).fetch_all(&mut *self).await
        }

        async fn read(
            &mut self,
            table: &Table,
            columns: &[String],
            after: Option<&[Value]>,
            limit: i64,
        ) -> Result<Vec<String>, sqlx::Error> {
            let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', {}", quoted(c))).collect();
            let key: Vec<String> = table.key.iter().map(|k| quoted(k)).collect();
            let mut q = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT CAST({}({}) AS TEXT) FROM {}",
                json_object!(),
                pairs.join(", "),
                quoted(table.name)
            ));
            if let Some(after) = after {
                q.push(format!(" WHERE ({}) > (", key.join(", ")));
                let mut values = q.separated(", ");
                for value in after {
                    match value {
                        Value::Number(n) => values.push_bind(n.as_i64().unwrap_or_default()),
                        Value::String(s) => values.push_bind(s.clone()),
                        _ => return Err(sqlx::Error::Protocol(format!("{}: a key column is empty", table.name))),
                    };
                }
                q.push(")");
            }
            q.push(format!(" ORDER BY {} LIMIT ", key.join(", "))).push_bind(limit);
            q.build_query_scalar().fetch_all(&mut *self).await
        }

        async fn write(&mut self, table: &str, columns: &[String], rows: &str) -> Result<u64, sqlx::Error> {
            let names: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
            let sql = format!(
                "INSERT INTO {} ({}) {}",
                quoted(table),
                names.join(", "),
                Store::rows_from_json(&quoted(table), columns)
            );
            Ok(sqlx::query(&sql).bind(rows).execute(&mut *self).await?.rows_affected())
        }

        async fn count(&mut self, table: &str) -> Result<i64, sqlx::Error> {
            sqlx::query_scalar(&format!("SELECT count(*) FROM {}", quoted(table))).fetch_one(&mut *self).await
        }

        async fn clear(&mut self, table: &str) -> Result<(), sqlx::Error> {
            sqlx::query(&format!("DELETE FROM {}", quoted(table))).execute(&mut *self).await.map(drop)
        }

        async fn posts_to_index(&mut self, after: i64, limit: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
            // Recalled posts too: operators search them ("Show recalled").
            let posts: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, text FROM posts WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self)
            .await?;
            let (Some(first), Some(last)) = (posts.first(), posts.last()) else { return Ok(posts) };
            let labels: Vec<(i64, String)> = sqlx::query_as(
                "SELECT post_id, label FROM post_links WHERE post_id BETWEEN $1 AND $2 AND label <> ''
                 ORDER BY post_id, position",
            )
            .bind(first.0)
            .bind(last.0)
            .fetch_all(&mut *self)
            .await?;
            // What a post's search entry holds: its text, then its links' labels (as
            // `ValidPost::search_body` makes it when the post is published). Both lists are
            // in id order; a label is only ever its own post's.
            let mut labels = labels.into_iter().peekable();
            Ok(posts
                .into_iter()
                .map(|(id, mut body)| {
                    while labels.next_if(|(post, _)| *post < id).is_some() {}
                    while let Some((_, label)) = labels.next_if(|(post, _)| *post == id) {
                        body.push('\n');
                        body.push_str(&label);
                    }
                    (id, body)
                })
                .collect())
        }
    }
}
