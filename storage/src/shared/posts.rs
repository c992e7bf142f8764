//! Posts as the REST API sees them (messages, their keys, recall), and the console's post
//! store. Publishing, importing and listing (search) are each engine's own: SQLite batches
//! concurrent publishes into one transaction and searches with FTS5; PostgreSQL publishes
//! in one statement and searches a GIN index. The trait implementation here calls them by
//! the same names (`publish_post`, `import`, `live_post`, `list`).

use crate::audit::Actor;
use crate::database::{media_id, PostStore, Published};
use crate::error::StoreResult;
use crate::events::NewEvent;
use crate::messages::{Message, MessageImage, MessageKey, MessageMeta, Recall};
use async_trait::async_trait;
use domain::post::ValidFilter;
use domain::{AuditAction, Callback, Post, PostPage, ValidPost};

/// How the audit log names a post.
pub(crate) fn subject(post_id: i64, channel_id: i64, channel_name: &str) -> String {
    format!("#{post_id} in #{channel_id} {channel_name}")
}

on_both_engines! {
    impl Store {
        /// What a message's `MsgBody` says of its images, in their order.
        pub(crate) async fn image_facts(conn: &mut Conn, post: &ValidPost) -> StoreResult<Vec<MessageImage>> {
            let mut facts = Vec::with_capacity(post.images.len());
            for image in &post.images {
                let row: Option<(String, i64, Option<i64>, Option<i64>)> =
                    sqlx::query_as("SELECT content_type, bytes, width, height FROM media WHERE id = $1")
                        .bind(image.media.as_ref())
                        .fetch_optional(&mut *conn)
                        .await?;
                if let Some((content_type, bytes, width, height)) = row {
                    facts.push(MessageImage { media: image.media.clone(), content_type, bytes, width, height });
                }
            }
            Ok(facts)
        }
    }

    #[async_trait]
    impl PostStore for Store {
        async fn publish(
            &self,
            post: &ValidPost,
            request_id: &str,
            meta: &MessageMeta,
            by: &Actor,
        ) -> StoreResult<Published> {
            let started = std::time::Instant::now();
            let published = self.publish_post(post, request_id, meta, by).await;
            crate::measure::publish(started, published.is_ok());
            published
        }

        async fn import_posts(&self, posts: &[(ValidPost, String, i64)]) -> StoreResult<()> {
            self.import(posts).await
        }

        async fn post(&self, id: i64) -> StoreResult<Option<Post>> {
            self.live_post(id).await
        }

        async fn list_posts(&self, filter: &ValidFilter) -> StoreResult<PostPage> {
            let started = std::time::Instant::now();
            let page = self.list(filter).await;
            crate::measure::list(started, !filter.terms.is_empty());
            page
        }

        async fn message_key(&self, post_id: i64) -> StoreResult<Option<(i64, MessageKey)>> {
            let row: Option<(i64, i64, i64)> =
                sqlx::query_as("SELECT channel_id, msg_random, created_at FROM posts WHERE id = $1")
                    .bind(post_id)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|(channel_id, random, time)| (channel_id, MessageKey { post_id, random, time })))
        }

        async fn messages(
            &self,
            channel_id: i64,
            before: Option<i64>,
            limit: u32,
            with_recalled: bool,
        ) -> StoreResult<Vec<Message>> {
            let rows: Vec<(i64, i64, i64, String, String, Option<i64>)> = sqlx::query_as(
                "SELECT id, msg_random, created_at, text, cloud_custom_data, recalled_at FROM posts
                 WHERE channel_id = $1 AND id < $2 AND ($3 OR recalled_at IS NULL)
                 ORDER BY id DESC LIMIT $4",
            )
            .bind(channel_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(with_recalled)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
            let mut messages: Vec<Message> = rows
                .into_iter()
                .map(|(post_id, random, time, text, cloud_custom_data, recalled_at)| Message {
                    key: MessageKey { post_id, random, time },
                    text,
                    images: vec![],
                    cloud_custom_data,
                    recalled: recalled_at.is_some(),
                })
                .collect();
            if let (Some(first), Some(last)) = (messages.first(), messages.last()) {
                // The page's posts are the channel's between its first and last id.
                let images: Vec<(i64, String, String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT i.post_id, i.media, m.content_type, m.bytes, m.width, m.height
                     FROM post_images i JOIN media m ON m.id = i.media
                     JOIN posts p ON p.id = i.post_id
                     WHERE p.channel_id = $1 AND i.post_id BETWEEN $2 AND $3
                     ORDER BY i.post_id, i.position",
                )
                .bind(channel_id)
                .bind(last.key.post_id)
                .bind(first.key.post_id)
                .fetch_all(&self.pool)
                .await?;
                for (post_id, media, content_type, bytes, width, height) in images {
                    if let Some(m) = messages.iter_mut().find(|m| m.key.post_id == post_id) {
                        m.images.push(MessageImage { media: media_id(media)?, content_type, bytes, width, height });
                    }
                }
            }
            Ok(messages)
        }

        async fn recall(&self, channel_id: i64, key: &MessageKey, reason: &str, by: &Actor) -> StoreResult<Recall> {
            let mut tx = self.begin_write().await?;
            // One statement decides between concurrent recalls of the same message.
            let recalled: Option<String> = sqlx::query_scalar(
                "UPDATE posts SET recalled_at = $1, recall_reason = $2
                 WHERE id = $3 AND channel_id = $4 AND msg_random = $5 AND created_at = $6 AND recalled_at IS NULL
                 RETURNING (SELECT name FROM channels c WHERE c.id = posts.channel_id)",
            )
            .bind(crate::clock::now())
            .bind(reason)
            .bind(key.post_id)
            .bind(channel_id)
            .bind(key.random)
            .bind(key.time)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(channel_name) = recalled else {
                let exists: Option<i32> = sqlx::query_scalar(
                    "SELECT 1 FROM posts WHERE id = $1 AND channel_id = $2 AND msg_random = $3 AND created_at = $4",
                )
                .bind(key.post_id)
                .bind(channel_id)
                .bind(key.random)
                .bind(key.time)
                .fetch_optional(&mut *tx)
                .await?;
                tx.rollback().await?;
                return Ok(if exists.is_some() { Recall::AlreadyRecalled } else { Recall::NotFound });
            };
            let subject = format!("{key} in #{channel_id} {channel_name}");
            Store::audit(&mut tx, by, AuditAction::PostRecalled, &subject).await?;
            let row = Store::account_row(&mut tx, channel_id).await?;
            let list = serde_json::json!([{ "MsgKey": key.to_string() }]);
            let fields = [("WithdrawMsgList".to_owned(), list)].into_iter().collect();
            self.emit(&mut tx, by, &NewEvent::about(Callback::AfterMsgWithDraw, &row, fields)).await?;
            tx.commit().await?;
            Ok(Recall::Recalled)
        }
    }
}
