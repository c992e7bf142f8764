//! Publishing on PostgreSQL (a post with its images, links, search tokens and audit entry
//! in one statement) and bulk import.

use super::PgStore;
use crate::audit::Actor;
use crate::clock::Clock;
use crate::database::Published;
use crate::error::{MediaUse, Missing, StoreError, StoreResult};
use crate::messages::{sent_fields, MessageKey, MessageMeta};
use domain::search::{fold, trigrams, words};
use domain::{AuditAction, Callback, ValidPost};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

struct Inserted {
    id: i64,
    channel_name: String,
    channel_photo: Option<String>,
}

/// What the search index holds of a post: its trigrams ("t…"), the first one and two
/// characters of each word ("p…") as lexemes, and its case-folded text to confirm a long
/// term as a substring. A short term (one or two characters) is then one exact lexeme: a
/// prefix query over whole words would make the index gather every word it begins, for a
/// common syllable a fifth of all posts, before anything else. Trigrams across white space
/// are left out: a term never holds white space, so no query asks for them (and each
/// lexeme costs every publish an index insertion).
pub(super) fn search_row(body: &str) -> (Vec<String>, String) {
    let folded = fold(body);
    let lexemes: BTreeSet<String> = trigrams(&folded)
        .into_iter()
        .filter(|t| !t.chars().any(char::is_whitespace))
        .map(|t| format!("t{t}"))
        .chain(words(body).iter().flat_map(|w| word_starts(w)).map(|p| format!("p{p}")))
        .collect();
    (lexemes.into_iter().collect(), folded)
}

/// A word's first character, and its first two when it has two.
pub(super) fn word_starts(word: &str) -> impl Iterator<Item = &str> {
    word.char_indices().skip(1).take(2).map(|(end, _)| &word[..end]).chain(
        // A word of one or two characters is its own start.
        (word.chars().count() <= 2 && !word.is_empty()).then_some(word),
    )
}

/// A row this insert refers to went between the check and the insert: the foreign key
/// said so. The same answers as the check's.
fn missing_parent(err: sqlx::Error, post: &ValidPost) -> StoreError {
    let constraint =
        err.as_database_error().filter(|d| d.code().as_deref() == Some("23503")).and_then(|d| d.constraint());
    match constraint {
        Some("posts_channel_id_fkey") => StoreError::NotFound(Missing::Channel),
        Some("post_images_media_fkey") => match post.images.first() {
            Some(image) => StoreError::UnknownMedia { id: image.media.clone(), used_as: MediaUse::PostImage },
            None => StoreError::Database(err),
        },
        _ => StoreError::Database(err),
    }
}

/// Which of a post's images is not stored (the foreign key names none): the error names it.
async fn missing_image(store: &PgStore, post: &ValidPost) -> StoreError {
    let ids: Vec<&str> = post.images.iter().map(|i| i.media.as_ref()).collect();
    let missing: Result<Option<String>, sqlx::Error> = sqlx::query_scalar(
        "SELECT m FROM unnest($1::text[]) WITH ORDINALITY AS i(m, n)
         WHERE NOT EXISTS (SELECT 1 FROM media WHERE id = i.m) ORDER BY n LIMIT 1",
    )
    .bind(&ids)
    .fetch_optional(&store.pool)
    .await;
    let image = match missing {
        Ok(Some(id)) => post.images.iter().find(|i| i.media.as_ref() == id),
        Ok(None) => post.images.first(),
        Err(err) => return StoreError::Database(err),
    };
    match image {
        Some(image) => StoreError::UnknownMedia { id: image.media.clone(), used_as: MediaUse::PostImage },
        None => StoreError::NotFound(Missing::Channel),
    }
}

/// Inserts a post, its images and links and its audit entry in one statement (one round
/// trip, atomic on its own): `None` when it inserted nothing, because the request id is
/// taken (a retry, perhaps running at the same time) or the channel does not exist.
///
/// The id is drawn first so that the post's search buckets (see `post_list`) go into its
/// tokens with the rest. A row this insert refers to that went meanwhile is refused by the
/// foreign keys (see `missing_parent`); no lock is taken, so concurrent publishes to one
/// channel do not queue on its row.
#[allow(clippy::too_many_arguments)]
async fn insert<'c, E>(
    store: &PgStore,
    executor: E,
    post: &ValidPost,
    request_id: &str,
    created_at: i64,
    meta: &MessageMeta,
    by: &Actor,
    sent: Option<Map<String, Value>>,
) -> StoreResult<Option<Inserted>>
where
    E: sqlx::PgExecutor<'c>,
{
    let (lexemes, folded) = search_row(&post.search_body());
    let media: Vec<&str> = post.images.iter().map(|i| i.media.as_ref()).collect();
    let alts: Vec<&str> = post.images.iter().map(|i| i.alt.as_str()).collect();
    let labels: Vec<&str> = post.links.iter().map(|l| l.label.as_str()).collect();
    let urls: Vec<&str> = post.links.iter().map(|l| l.url.as_ref()).collect();
    let levels: Vec<i32> = store.search_levels.iter().map(|&l| l as i32).collect();
    // The audit subject as on SQLite ("#post in #channel name"), written in SQL: the id is drawn here.
    let row: Option<(i64, String, Option<String>, i64)> = sqlx::query_as(
        "WITH ch AS (SELECT id, name, photo, COALESCE(account_id, '') AS account_id FROM channels WHERE id = $1),
              new AS (SELECT nextval(pg_get_serial_sequence('posts', 'id')) AS id),
              ins AS (
                INSERT INTO posts (id, channel_id, kind, text, request_id, created_at, msg_random,
                                   cloud_custom_data, search_tokens, search_folded)
                SELECT new.id, ch.id, $2, $3, $4, $5, $6, $7,
                       array_to_tsvector($8::text[] || ARRAY(
                         SELECT 'b' || level || '_' || (new.id >> level) FROM unnest($10::int[]) AS level)),
                       $9
                FROM ch, new
                ON CONFLICT (request_id) DO NOTHING
                RETURNING id),
              images AS (
                INSERT INTO post_images (post_id, position, media, alt)
                SELECT ins.id, i.n - 1, i.media, i.alt
                FROM ins, unnest($11::text[], $12::text[]) WITH ORDINALITY AS i(media, alt, n)),
              links AS (
                INSERT INTO post_links (post_id, position, label, url)
                SELECT ins.id, l.n - 1, l.label, l.url
                FROM ins, unnest($13::text[], $14::text[]) WITH ORDINALITY AS l(label, url, n)),
              logged AS (
                INSERT INTO audit_log (at, operator, action, subject, address)
                SELECT $5, $15, $16, '#' || ins.id || ' in #' || ch.id || ' ' || ch.name, $17 FROM ins, ch),
              ev AS (
                INSERT INTO events (command, channel_id, channel_account, channel_name, platform, operator,
                                    client_ip, created_at, payload, delivery, next_attempt_at)
                SELECT $18, ch.id, ch.account_id, ch.name, $19, $20, $17, $21,
                       ($22::jsonb || jsonb_build_object('Official_Account', ch.account_id,
                                                         'MsgKey', ins.id || '_' || $6 || '_' || $5))::text,
                       CASE WHEN w.url <> '' AND (w.events & $23) <> 0 THEN 'pending' ELSE 'none' END,
                       CASE WHEN w.url <> '' AND (w.events & $23) <> 0 THEN 0 END
                FROM ins, ch, webhook_settings w WHERE w.id = 1 AND $24
                RETURNING delivery),
              -- Servers hear of a delivery due when this commits.
              told AS (SELECT pg_notify('console_events', '') FROM ev WHERE delivery = 'pending'),
              -- And the subscribers' streams, of every post.
              streamed AS (SELECT pg_notify('console_stream', '') FROM ev)
         SELECT ins.id, ch.name, ch.photo, (SELECT count(*) FROM told) + (SELECT count(*) FROM streamed)
         FROM ins, ch",
    )
    .bind(post.channel_id)
    .bind(post.kind.code())
    .bind(post.text())
    .bind(request_id)
    .bind(created_at)
    .bind(meta.random)
    .bind(&meta.cloud_custom_data)
    .bind(&lexemes)
    .bind(&folded)
    .bind(&levels)
    .bind(&media)
    .bind(&alts)
    .bind(&labels)
    .bind(&urls)
    .bind(by.label())
    .bind(AuditAction::PostPublished.as_str())
    .bind(by.address())
    .bind(Callback::AfterSendMsg.command())
    .bind(by.platform())
    .bind(by.operator_account())
    .bind(crate::clock::SystemClock.now_ms())
    .bind(Value::Object(sent.clone().unwrap_or_default()).to_string())
    .bind(Callback::AfterSendMsg.bit())
    .bind(sent.is_some())
    .fetch_optional(executor)
    .await
    .map_err(|e| missing_parent(e, post))?;
    Ok(row.map(|(id, channel_name, channel_photo, _)| Inserted { id, channel_name, channel_photo }))
}

async fn existing(store: &PgStore, request_id: &str) -> StoreResult<Published> {
    let (post_id, random, time): (i64, i64, i64) =
        sqlx::query_as("SELECT id, msg_random, created_at FROM posts WHERE request_id = $1")
            .bind(request_id)
            .fetch_one(&store.pool)
            .await?;
    Ok(Published { key: MessageKey { post_id, random, time }, post: store.live_post(post_id).await? })
}

impl PgStore {
    pub(crate) async fn publish_post(
        &self,
        post: &ValidPost,
        request_id: &str,
        meta: &MessageMeta,
        by: &Actor,
    ) -> StoreResult<Published> {
        let created_at = crate::clock::now();
        // Images are never changed once recorded: their facts can be read before the insert
        // (which refuses a post whose image went meanwhile).
        let images = if post.images.is_empty() {
            vec![]
        } else {
            PgStore::image_facts(&mut *self.pool.acquire().await?, post).await?
        };
        let sent = sent_fields(post.text(), &images, meta, created_at);
        let made = match insert(self, &self.pool, post, request_id, created_at, meta, by, Some(sent)).await {
            Ok(made) => made,
            Err(StoreError::UnknownMedia { .. }) => return Err(missing_image(self, post).await),
            Err(other) => return Err(other),
        };
        let Some(made) = made else {
            // The request id is taken (a retry: answer with its post), or the channel is gone.
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE request_id = $1")
                .bind(request_id)
                .fetch_optional(&self.pool)
                .await?;
            return match found {
                Some(_) => existing(self, request_id).await,
                None => Err(StoreError::NotFound(Missing::Channel)),
            };
        };
        let stored = crate::rows::just_published(made.id, post, made.channel_name, made.channel_photo, created_at);
        let key = MessageKey { post_id: made.id, random: meta.random, time: created_at };
        Ok(Published { key, post: Some(stored) })
    }

    pub(crate) async fn import(&self, posts: &[(ValidPost, String, i64)]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for (post, request_id, created_at) in posts {
            let meta = MessageMeta::default();
            insert(self, &mut *tx, post, request_id, *created_at, &meta, &Actor::ServerCommand, None).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
