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
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};

/// How the audit log names a post.
pub(super) fn subject(post_id: i64, channel_id: i64, channel_name: &str) -> String {
    format!("#{post_id} in #{channel_id} {channel_name}")
}

/// A post to insert: the publish batch's and the import's rows alike.
pub(super) struct NewPost<'a> {
    pub(super) post: &'a ValidPost,
    pub(super) request_id: &'a str,
    pub(super) meta: &'a MessageMeta,
    pub(super) created_at: i64,
}

/// Inserts posts with their images, links and search entries, one statement per table
/// (each statement is a round trip to SQLite's thread); their ids, in order. The caller has
/// checked their channels and images, and writes the audit entries.
pub(super) async fn insert_posts(tx: &mut SqliteConnection, posts: &[NewPost<'_>]) -> Result<Vec<i64>, sqlx::Error> {
    let mut q = QueryBuilder::<Sqlite>::new(
        "INSERT INTO posts (channel_id, kind, text, request_id, created_at, msg_random, cloud_custom_data) ",
    );
    q.push_values(posts, |mut row, new| {
        row.push_bind(new.post.channel_id)
            .push_bind(new.post.kind.code())
            .push_bind(new.post.text().to_owned())
            .push_bind(new.request_id.to_owned())
            .push_bind(new.created_at)
            .push_bind(new.meta.random)
            .push_bind(new.meta.cloud_custom_data.clone());
    });
    q.push(" RETURNING request_id, id");
    // RETURNING's order is not promised: match the ids up by request id (unique).
    let made: HashMap<String, i64> =
        q.build_query_as::<(String, i64)>().fetch_all(&mut *tx).await?.into_iter().collect();
    let ids = posts
        .iter()
        .map(|new| made.get(new.request_id).copied().ok_or(sqlx::Error::RowNotFound))
        .collect::<Result<Vec<i64>, _>>()?;

    let with_ids = || posts.iter().zip(ids.iter().copied());
    let images: Vec<_> = with_ids()
        .flat_map(|(new, id)| new.post.images.iter().enumerate().map(move |(n, image)| (id, n, image)))
        .collect();
    if !images.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO post_images (post_id, position, media, alt) ");
        q.push_values(images, |mut row, (id, n, image)| {
            row.push_bind(id)
                .push_bind(n as i64)
                .push_bind(image.media.as_ref().to_owned())
                .push_bind(image.alt.clone());
        });
        q.build().execute(&mut *tx).await?;
    }
    let links: Vec<_> = with_ids()
        .flat_map(|(new, id)| new.post.links.iter().enumerate().map(move |(n, link)| (id, n, link)))
        .collect();
    if !links.is_empty() {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO post_links (post_id, position, label, url) ");
        q.push_values(links, |mut row, (id, n, link)| {
            row.push_bind(id).push_bind(n as i64).push_bind(link.label.clone()).push_bind(link.url.as_ref().to_owned());
        });
        q.build().execute(&mut *tx).await?;
    }
    let bodies: Vec<(i64, String)> = with_ids().map(|(new, id)| (id, new.post.search_body())).collect();
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO posts_trigram (rowid, body) ");
    q.push_values(&bodies, |mut row, (id, body)| {
        row.push_bind(*id).push_bind(body.clone());
    });
    q.build().execute(&mut *tx).await?;
    let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO posts_words (rowid, body) ");
    q.push_values(&bodies, |mut row, (id, body)| {
        row.push_bind(*id).push_bind(word_windows(body));
    });
    q.build().execute(&mut *tx).await?;
    Ok(ids)
}

/// Posts an import writes with one statement per table (a post binds up to 45 values;
/// SQLite allows 32,766 per statement).
const IMPORT_CHUNK: usize = 500;

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
        let mut channels = HashSet::new();
        for (post, _, _) in posts {
            if channels.insert(post.channel_id) {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM channels WHERE id = ?")
                    .bind(post.channel_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound(Missing::Channel));
                }
            }
            require_images(&mut tx, post.images.iter().map(|i| &i.media)).await?;
        }
        let meta = MessageMeta::default();
        for chunk in posts.chunks(IMPORT_CHUNK) {
            let rows: Vec<NewPost> = chunk
                .iter()
                .map(|(post, request_id, created_at)| NewPost {
                    post,
                    request_id,
                    meta: &meta,
                    created_at: *created_at,
                })
                .collect();
            insert_posts(&mut tx, &rows).await?;
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

    async fn message_key(&self, post_id: i64) -> StoreResult<Option<(i64, MessageKey)>> {
        let row: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT channel_id, msg_random, created_at FROM posts WHERE id = ?")
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
