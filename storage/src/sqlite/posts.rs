//! Publishing on SQLite (with images, links and search entries in one transaction) and bulk
//! import. Posts are inserted once and never updated; a recall only marks them (a trigger
//! removes their search entries).

use super::publish_batch::Outcome;
use super::SqliteStore;
use crate::audit::Actor;
use crate::database::Published;
use crate::error::{MediaUse, Missing, StoreError, StoreResult};
use crate::messages::MessageMeta;
use domain::search::word_windows;
use domain::{MediaId, ValidPost};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};

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

impl SqliteStore {
    /// That each of a post's images is recorded.
    pub(super) async fn require_images(
        tx: &mut SqliteConnection,
        ids: impl Iterator<Item = &MediaId> + Send,
    ) -> StoreResult<()> {
        for id in ids {
            SqliteStore::require_media(tx, id, MediaUse::PostImage).await?;
        }
        Ok(())
    }

    pub(crate) async fn publish_post(
        &self,
        post: &ValidPost,
        request_id: &str,
        meta: &MessageMeta,
        by: &Actor,
    ) -> StoreResult<Published> {
        match self.publish_in_batch(post, request_id, meta, by).await? {
            Outcome::Made(published) => Ok(published),
            Outcome::Existing(key) => Ok(Published { key, post: self.live_post(key.post_id).await? }),
        }
    }

    pub(crate) async fn import(&self, posts: &[(ValidPost, String, i64)]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let mut channels = HashSet::new();
        for (post, _, _) in posts {
            if channels.insert(post.channel_id) {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM channels WHERE id = $1")
                    .bind(post.channel_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound(Missing::Channel));
                }
            }
            SqliteStore::require_images(&mut tx, post.images.iter().map(|i| &i.media)).await?;
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
}
