//! Posts on SQLite: publishing (with images, links and search entries in one transaction),
//! REST messages and recall. Posts are inserted once and never updated; a recall only marks
//! them (a trigger removes their search entries).

use super::channels::require_images;
use super::publish_batch::Outcome;
use super::{audit, SqliteStore};
use crate::audit::Actor;
use crate::database::media_id;
use crate::database::{PostStore, Published};
use crate::error::{Missing, StoreError, StoreResult};
use crate::messages::{Message, MessageImage, MessageKey, MessageMeta, Recall};
use async_trait::async_trait;
use domain::post::ValidFilter;
use domain::search::word_windows;
use domain::{AuditAction, Post, PostPage, ValidPost};
use sqlx::SqliteConnection;

/// How the audit log names a post.
pub(super) fn subject(post_id: i64, channel_id: i64, channel_name: &str) -> String {
    format!("#{post_id} in #{channel_id} {channel_name}")
}

/// One imported post with its images, links and search entries (a publish goes through
/// `publish_batch`, which writes many at once).
async fn insert(
    tx: &mut SqliteConnection,
    post: &ValidPost,
    request_id: &str,
    created_at: i64,
    meta: &MessageMeta,
) -> StoreResult<()> {
    let channel: Option<i64> = sqlx::query_scalar("SELECT id FROM channels WHERE id = ?")
        .bind(post.channel_id)
        .fetch_optional(&mut *tx)
        .await?;
    if channel.is_none() {
        return Err(StoreError::NotFound(Missing::Channel));
    }
    require_images(tx, post.images.iter().map(|i| &i.media)).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (channel_id, kind, text, request_id, created_at, msg_random, cloud_custom_data)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(post.channel_id)
    .bind(post.kind.code())
    .bind(post.text())
    .bind(request_id)
    .bind(created_at)
    .bind(meta.random)
    .bind(&meta.cloud_custom_data)
    .fetch_one(&mut *tx)
    .await?;
    for (position, image) in post.images.iter().enumerate() {
        sqlx::query("INSERT INTO post_images (post_id, position, media, alt) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(position as i64)
            .bind(image.media.as_ref())
            .bind(&image.alt)
            .execute(&mut *tx)
            .await?;
    }
    for (position, link) in post.links.iter().enumerate() {
        sqlx::query("INSERT INTO post_links (post_id, position, label, url) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(position as i64)
            .bind(&link.label)
            .bind(link.url.as_ref())
            .execute(&mut *tx)
            .await?;
    }
    let body = post.search_body();
    sqlx::query("INSERT INTO posts_trigram (rowid, body) VALUES (?, ?)").bind(id).bind(&body).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO posts_words (rowid, body) VALUES (?, ?)")
        .bind(id)
        .bind(word_windows(&body))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[async_trait]
impl PostStore for SqliteStore {
    async fn publish(
        &self,
        post: &ValidPost,
        request_id: &str,
        meta: &MessageMeta,
        by: &Actor,
    ) -> StoreResult<Published> {
        match self.publish_in_batch(post, request_id, meta, by).await? {
            Outcome::Made(published) => Ok(published),
            Outcome::Existing(key) => Ok(Published { key, post: self.post(key.post_id).await? }),
        }
    }

    async fn import_posts(&self, posts: &[(ValidPost, String, i64)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for (post, request_id, created_at) in posts {
            insert(&mut tx, post, request_id, *created_at, &MessageMeta::default()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn post(&self, id: i64) -> StoreResult<Option<Post>> {
        super::post_list::live_post(self, id).await
    }

    async fn list_posts(&self, filter: &ValidFilter) -> StoreResult<PostPage> {
        super::post_list::list(self, filter).await
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
             WHERE channel_id = ? AND id < ? AND (? OR recalled_at IS NULL)
             ORDER BY id DESC LIMIT ?",
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
            let images: Vec<(i64, String, String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                "SELECT i.post_id, i.media, m.content_type, m.bytes, m.width, m.height
                 FROM post_images i JOIN media m ON m.id = i.media
                 JOIN posts p ON p.id = i.post_id
                 WHERE p.channel_id = ? AND i.post_id BETWEEN ? AND ? ORDER BY i.post_id, i.position",
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
        let found: Option<(Option<i64>, String)> = sqlx::query_as(
            "SELECT p.recalled_at, c.name FROM posts p JOIN channels c ON c.id = p.channel_id
             WHERE p.id = ? AND p.channel_id = ? AND p.msg_random = ? AND p.created_at = ?",
        )
        .bind(key.post_id)
        .bind(channel_id)
        .bind(key.random)
        .bind(key.time)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match found {
            None => Recall::NotFound,
            Some((Some(_), _)) => Recall::AlreadyRecalled,
            Some((None, channel_name)) => {
                sqlx::query("UPDATE posts SET recalled_at = ?, recall_reason = ? WHERE id = ?")
                    .bind(crate::clock::now())
                    .bind(reason)
                    .bind(key.post_id)
                    .execute(&mut *tx)
                    .await?;
                let subject = format!("{key} in #{channel_id} {channel_name}");
                audit(&mut tx, by, AuditAction::PostRecalled, &subject).await?;
                Recall::Recalled
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}
