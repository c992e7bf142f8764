//! The subscribers' live streams (see `crate::streams`), written once for both engines.

use crate::clock::Clock;
use crate::database::StreamStore;
use crate::error::StoreResult;
use crate::streams::{payload_pattern, Gap, StreamEvent, StreamStart, STREAMED, STREAMS_CLOSED};
use async_trait::async_trait;
use domain::Callback;
use std::collections::HashSet;
use std::sync::LazyLock;

/// `command IN (...)`: the commands streams carry, as SQL (they are fixed ASCII names).
fn commands_in(commands: impl Iterator<Item = &'static str>) -> String {
    let quoted: Vec<String> = commands.map(|c| format!("'{c}'")).collect();
    format!("command IN ({})", quoted.join(", "))
}

static STREAMED_IN: LazyLock<String> =
    LazyLock::new(|| commands_in(STREAMED.iter().map(|c| c.command()).chain([STREAMS_CLOSED])));
static CHANGES_IN: LazyLock<String> = LazyLock::new(|| {
    commands_in([Callback::AfterAddSubscriber.command(), Callback::AfterDeleteSubscriber.command()].into_iter())
});

/// A stable number for an account, to take a lock on its name.
fn account_key(account: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(account.as_bytes());
    i64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

on_both_engines! {
    const COLUMNS: &str = concat!(position!(), " AS position, command, channel_id, channel_account, channel_name, created_at, payload");

    #[async_trait]
    impl StreamStore for Store {
        async fn place_events(&self) -> StoreResult<i64> {
            Ok(self.place().await?)
        }

        async fn stream_events(&self, after: i64, limit: u32) -> StoreResult<Vec<StreamEvent>> {
            let sql = format!(
                "SELECT {COLUMNS} FROM events WHERE {} > $1 AND {} ORDER BY {} LIMIT $2",
                position!(), *STREAMED_IN, position!()
            );
            Ok(sqlx::query_as(&sql).bind(after).bind(i64::from(limit)).fetch_all(&self.pool).await?)
        }

        async fn discarding(&self, channel_id: i64) -> StoreResult<HashSet<String>> {
            let accounts: Vec<String> =
                sqlx::query_scalar("SELECT account FROM subscribers WHERE channel_id = $1 AND msg_flag = 'Discard'")
                    .bind(channel_id)
                    .fetch_all(&self.pool)
                    .await?;
            Ok(accounts.into_iter().collect())
        }

        async fn stream_start(
            &self,
            account: &str,
            after: Option<i64>,
            since_ms: i64,
            max_replay: u32,
        ) -> StoreResult<StreamStart> {
            // One snapshot: the subscriptions now and the events that led to them agree.
            let mut tx = self.begin_snapshot().await?;
            let upto: i64 = sqlx::query_scalar(concat!("SELECT COALESCE(max(", position!(), "), 0) FROM events"))
                .fetch_one(&mut *tx)
                .await?;
            let subscribed: Vec<(i64, String)> =
                sqlx::query_as("SELECT channel_id, msg_flag FROM subscribers WHERE account = $1")
                    .bind(account)
                    .fetch_all(&mut *tx)
                    .await?;
            let mut start = StreamStart {
                upto,
                channels: subscribed.iter().map(|(id, _)| *id).collect(),
                discarded: subscribed.iter().filter(|(_, flag)| flag == "Discard").map(|(id, _)| *id).collect(),
                ..StreamStart::default()
            };
            let mut from = upto;
            if let Some(after) = after {
                let missed: bool = sqlx::query_scalar(concat!(
                    "SELECT EXISTS (SELECT 1 FROM events WHERE ", position!(), " > $1 AND created_at < $2)
                        OR $1 + 1 < (SELECT COALESCE(min(", position!(), "), $1 + 1) FROM events)"
                ))
                .bind(after)
                .bind(since_ms)
                .fetch_one(&mut *tx)
                .await?;
                start.gap = if after > upto || after < 0 {
                    Some(Gap::Unknown)
                } else if missed {
                    Some(Gap::TooOld)
                } else {
                    from = after;
                    None
                };
            }
            let sql = format!(
                "SELECT {COLUMNS} FROM events
                 WHERE ({pos} > $1 OR {pos} IS NULL) AND {changes} AND payload LIKE $2 ESCAPE '\\'
                 ORDER BY {pos} IS NULL, {pos}, id",
                pos = position!(),
                changes = *CHANGES_IN,
            );
            let changes: Vec<StreamEvent> =
                sqlx::query_as(&sql).bind(from).bind(payload_pattern(account)).fetch_all(&mut *tx).await?;
            start.changes = changes.into_iter().filter(|e| e.accounts().contains(account)).collect();
            if from < upto {
                let channels: HashSet<i64> =
                    start.channels.iter().copied().chain(start.changes.iter().filter_map(|e| e.channel_id)).collect();
                if !channels.is_empty() {
                    let mut q = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM events WHERE "));
                    q.push(position!()).push(" > ").push_bind(from);
                    q.push(" AND ").push(position!()).push(" <= ").push_bind(upto);
                    q.push(" AND ").push(STREAMED_IN.as_str()).push(" AND channel_id IN (");
                    let mut list = q.separated(", ");
                    for id in &channels {
                        list.push_bind(*id);
                    }
                    q.push(") ORDER BY ").push(position!()).push(" LIMIT ").push_bind(i64::from(max_replay) + 1);
                    start.replay = q.build_query_as().fetch_all(&mut *tx).await?;
                    if start.replay.len() > max_replay as usize {
                        start.replay.clear();
                        start.gap = Some(Gap::TooMany);
                    }
                }
            }
            if start.gap.is_some() {
                // Going on from now: only what happens after `upto` undoes today's channels.
                start.changes.retain(|e| e.position.is_none_or(|p| p > upto));
            }
            tx.rollback().await?;
            Ok(start)
        }

        async fn open_stream(&self, id: &str, account: &str, keep: u32) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            // A user's openings one at a time, on any server: each sees the ones before.
            Store::serialize(&mut tx, account_key(account)).await?;
            sqlx::query("INSERT INTO subscriber_streams (id, account, opened_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(account)
                .bind(crate::clock::SystemClock.now_ms())
                .execute(&mut *tx)
                .await?;
            let older: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM subscriber_streams WHERE account = $1
                 ORDER BY opened_at DESC, id DESC LIMIT 1000000 OFFSET $2",
            )
            .bind(account)
            .bind(i64::from(keep))
            .fetch_all(&mut *tx)
            .await?;
            if !older.is_empty() {
                for old in &older {
                    sqlx::query("DELETE FROM subscriber_streams WHERE id = $1").bind(old).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO events (command, platform, created_at, payload, delivery) VALUES ($1, '', $2, $3, 'none')",
                )
                .bind(STREAMS_CLOSED)
                .bind(crate::clock::SystemClock.now_ms())
                .bind(serde_json::json!({ "Streams": older }).to_string())
                .execute(&mut *tx)
                .await?;
                self.announce_stream(&mut tx).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn close_stream(&self, id: &str) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            sqlx::query("DELETE FROM subscriber_streams WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn wait_for_stream_events(&self, at_most: std::time::Duration) {
            self.streams_announced(at_most).await
        }
    }
}
