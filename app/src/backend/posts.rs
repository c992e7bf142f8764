//! Post storage and search. Posts are inserted once and never updated (a recall only marks
//! them); every post query lives here.

use super::audit::Actor;
use super::db::{self, now};
use crate::domain::post::{ValidFilter, ValidPost};
use crate::domain::{
    ChannelOption, Field, Post, PostImage, PostLink, PostPage, PostType, ValidationError,
};
use crate::error::AppError;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    channel_id: i64,
    channel_name: String,
    channel_photo: Option<String>,
    kind: String,
    text: String,
    created_at: i64,
}

const SELECT_POSTS: &str = "SELECT p.id, p.channel_id, c.name AS channel_name, \
     c.photo AS channel_photo, p.kind, p.text, p.created_at \
     FROM posts p JOIN channels c ON c.id = p.channel_id";

/// Stores a post with its images, links and search entries in one transaction. A request id
/// seen before returns the post it made: a retried publish never makes two.
///
/// The audit entry (when `actor` is given) is written in the same transaction, and only for
/// a post actually made: a retry does not log a second publish.
pub async fn publish(
    pool: &SqlitePool,
    post: &ValidPost,
    request_id: &str,
    actor: Option<&Actor>,
) -> Result<Post, AppError> {
    let mut tx = db::begin_write(pool).await?;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE request_id = ?")
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = existing {
        tx.commit().await?;
        return get(pool, id).await?.ok_or_else(AppError::post_not_found);
    }
    let created_at = now();
    let made = insert(&mut tx, post, request_id, created_at, &MessageMeta::default(), actor).await?;
    tx.commit().await?;
    // What was just stored, without reading it back.
    Ok(Post {
        id: made.id,
        channel_id: post.channel_id,
        channel_name: made.channel_name,
        channel_photo: made.channel_photo,
        kind: post.kind,
        text: post.text.as_ref().map(|t| t.as_ref().to_owned()).unwrap_or_default(),
        images: post.images.clone(),
        links: post.links.clone(),
        created_at,
    })
}

/// What `insert` made, with the channel facts it read on the way.
struct Inserted {
    id: i64,
    channel_name: String,
    channel_photo: Option<String>,
}

/// What a post sent through the REST API carries besides its content.
#[derive(Debug, Clone, Default)]
pub struct MessageMeta {
    /// The sender's `Random`, part of the message key.
    pub random: i64,
    pub cloud_custom_data: String,
}

/// `publish` for the REST API: the same checks and statements, and the message's key.
/// Returns the post id and its key; a retried request (same request id) returns the first.
pub async fn publish_message(
    pool: &SqlitePool,
    post: &ValidPost,
    request_id: &str,
    meta: &MessageMeta,
    actor: &Actor,
) -> Result<(i64, i64, String), AppError> {
    let mut tx = db::begin_write(pool).await?;
    let existing: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT id, msg_random, created_at FROM posts WHERE request_id = ?")
            .bind(request_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (id, random, time) = match existing {
        Some(found) => found,
        None => {
            let time = now();
            (insert(&mut tx, post, request_id, time, meta, Some(actor)).await?.id, meta.random, time)
        }
    };
    tx.commit().await?;
    Ok((id, time, msg_key(id, random, time)))
}

/// A message's key in the REST API: `<post id>_<random>_<unix time>`.
pub fn msg_key(id: i64, random: i64, time: i64) -> String {
    format!("{id}_{random}_{time}")
}

/// The post id a message key names, when the key is well formed.
pub fn parse_msg_key(key: &str) -> Option<(i64, i64, i64)> {
    let mut parts = key.trim().split('_');
    let id = parts.next()?.parse().ok()?;
    let random = parts.next()?.parse().ok()?;
    let time = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((id, random, time))
}

/// A message as `official_account_msg_get_simple` returns it.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub key: String,
    pub time: i64,
    pub text: String,
    pub images: Vec<MessageImage>,
    pub cloud_custom_data: String,
    pub recalled: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageImage {
    pub post_id: i64,
    pub media: String,
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

/// A channel's messages, newest first, older than the post `before` when given.
pub async fn messages(
    pool: &SqlitePool,
    channel_id: i64,
    before: Option<i64>,
    limit: u32,
    with_recalled: bool,
) -> Result<Vec<Message>, AppError> {
    let rows: Vec<(i64, i64, i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT id, msg_random, created_at, text, cloud_custom_data, recalled_at FROM posts
         WHERE channel_id = ? AND id < ? AND (? OR recalled_at IS NULL)
         ORDER BY id DESC LIMIT ?",
    )
    .bind(channel_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(with_recalled)
    .bind(limit as i64)
    .fetch_all(pool)
    .await?;
    let mut messages: Vec<Message> = rows
        .into_iter()
        .map(|(id, random, time, text, cloud_custom_data, recalled_at)| Message {
            id,
            key: msg_key(id, random, time),
            time,
            text,
            images: vec![],
            cloud_custom_data,
            recalled: recalled_at.is_some(),
        })
        .collect();
    if let (Some(first), Some(last)) = (messages.first(), messages.last()) {
        let images: Vec<MessageImage> = sqlx::query_as(
            "SELECT i.post_id, i.media, m.content_type, m.bytes, m.width, m.height
             FROM post_images i JOIN media m ON m.id = i.media
             JOIN posts p ON p.id = i.post_id
             WHERE p.channel_id = ? AND i.post_id BETWEEN ? AND ? ORDER BY i.post_id, i.position",
        )
        .bind(channel_id)
        .bind(last.id)
        .bind(first.id)
        .fetch_all(pool)
        .await?;
        for image in images {
            if let Some(m) = messages.iter_mut().find(|m| m.id == image.post_id) {
                m.images.push(image);
            }
        }
    }
    Ok(messages)
}

/// How a recall went, per message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recall {
    Recalled,
    AlreadyRecalled,
    NotFound,
}

/// Recalls a message of the channel: it leaves the console's list and search (a trigger
/// removes its search entries) but stays stored, as the vendor's history keeps it.
pub async fn recall(pool: &SqlitePool, channel_id: i64, key: &str, reason: &str) -> Result<Recall, AppError> {
    let Some((id, random, time)) = parse_msg_key(key) else { return Ok(Recall::NotFound) };
    let mut tx = db::begin_write(pool).await?;
    let found: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT recalled_at FROM posts WHERE id = ? AND channel_id = ? AND msg_random = ? AND created_at = ?",
    )
    .bind(id)
    .bind(channel_id)
    .bind(random)
    .bind(time)
    .fetch_optional(&mut *tx)
    .await?;
    let outcome = match found {
        None => Recall::NotFound,
        Some(Some(_)) => Recall::AlreadyRecalled,
        Some(None) => {
            sqlx::query("UPDATE posts SET recalled_at = ?, recall_reason = ? WHERE id = ?")
                .bind(now())
                .bind(reason)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Recall::Recalled
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Stores many posts in one transaction (bulk import and benchmark seeding), through the
/// same checks and statements as `publish`. Each is `(post, request id, unix time)`.
pub async fn import(pool: &SqlitePool, posts: &[(ValidPost, String, i64)]) -> Result<(), AppError> {
    let mut tx = db::begin_write(pool).await?;
    for (post, request_id, created_at) in posts {
        insert(&mut tx, post, request_id, *created_at, &MessageMeta::default(), None).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    post: &ValidPost,
    request_id: &str,
    created_at: i64,
    meta: &MessageMeta,
    actor: Option<&Actor>,
) -> Result<Inserted, AppError> {
    let channel: Option<(String, Option<String>)> = sqlx::query_as("SELECT name, photo FROM channels WHERE id = ?")
        .bind(post.channel_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((channel_name, channel_photo)) = channel else {
        return Err(AppError::NotFound(
            "The channel you chose no longer exists; it may have been deleted. \
             Choose another channel and publish again."
                .into(),
        ));
    };
    for image in &post.images {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM media WHERE id = ?")
            .bind(&image.media)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(ValidationError::UnknownMedia { field: Field::PostImages }.into());
        }
    }
    let text = post.text.as_ref().map(|t| t.as_ref()).unwrap_or_default();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (channel_id, kind, text, request_id, created_at, msg_random, cloud_custom_data)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(post.channel_id)
    .bind(post.kind.code())
    .bind(text)
    .bind(request_id)
    .bind(created_at)
    .bind(meta.random)
    .bind(&meta.cloud_custom_data)
    .fetch_one(&mut **tx)
    .await?;
    for (position, image) in post.images.iter().enumerate() {
        sqlx::query("INSERT INTO post_images (post_id, position, media, alt) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(position as i64)
            .bind(&image.media)
            .bind(&image.alt)
            .execute(&mut **tx)
            .await?;
    }
    for (position, link) in post.links.iter().enumerate() {
        sqlx::query("INSERT INTO post_links (post_id, position, label, url) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(position as i64)
            .bind(&link.label)
            .bind(&link.url)
            .execute(&mut **tx)
            .await?;
    }
    let body = search_body(text, &post.links);
    sqlx::query("INSERT INTO posts_trigram (rowid, body) VALUES (?, ?)")
        .bind(id)
        .bind(&body)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO posts_words (rowid, body) VALUES (?, ?)")
        .bind(id)
        .bind(word_windows(&body))
        .execute(&mut **tx)
        .await?;
    if let Some(actor) = actor {
        let subject = format!("#{id} in #{} {channel_name}", post.channel_id);
        super::audit::record_in(tx, actor, crate::domain::AuditAction::PostPublished, &subject).await?;
    }
    Ok(Inserted { id, channel_name, channel_photo })
}

pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<Post>, AppError> {
    let row = sqlx::query_as::<_, PostRow>(&format!(
        "{SELECT_POSTS} WHERE p.id = ? AND p.recalled_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(assemble(pool, row.into_iter().collect()).await?.pop())
}

/// The newest posts matching `filter`, a page at a time.
pub async fn list(pool: &SqlitePool, filter: &ValidFilter) -> Result<PostPage, AppError> {
    let (long, short): (Vec<&String>, Vec<&String>) =
        filter.terms.iter().partition(|t| t.chars().count() >= 3);
    let trigram_query = (!long.is_empty())
        .then(|| long.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" "));
    let words_query = (!short.is_empty()).then(|| {
        short.iter().map(|t| format!("\"{}\"*", word_windows(t))).collect::<Vec<_>>().join(" ")
    });

    // Drive the query from a search index when there is one, in descending rowid order, so
    // that SQLite stops after one page instead of sorting every match.
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("");
    let driver = match (&trigram_query, &words_query) {
        (Some(_), _) => Some("posts_trigram"),
        (None, Some(_)) => Some("posts_words"),
        (None, None) => None,
    };
    match driver {
        Some(table) => {
            q.push(format!(
                "SELECT p.id, p.channel_id, c.name AS channel_name, c.photo AS channel_photo, \
                 p.kind, p.text, p.created_at FROM {table} f \
                 JOIN posts p ON p.id = f.rowid JOIN channels c ON c.id = p.channel_id \
                 WHERE {table} MATCH "
            ));
            q.push_bind(if table == "posts_trigram" { trigram_query.clone() } else { words_query.clone() });
            if table == "posts_trigram" {
                if let Some(words) = &words_query {
                    q.push(" AND p.id IN (SELECT rowid FROM posts_words WHERE posts_words MATCH ");
                    q.push_bind(words.clone());
                    q.push(")");
                }
            }
            if let Some(before) = filter.before {
                q.push(" AND f.rowid < ").push_bind(before);
            }
        }
        None => {
            q.push(SELECT_POSTS).push(" WHERE 1 = 1");
            if let Some(before) = filter.before {
                q.push(" AND p.id < ").push_bind(before);
            }
        }
    }
    q.push(" AND p.recalled_at IS NULL");
    if let Some(channel) = filter.channel_id {
        q.push(" AND p.channel_id = ").push_bind(channel);
    }
    if let Some(kind) = filter.kind {
        q.push(" AND p.kind = ").push_bind(kind.code());
    }
    if let Some(from) = filter.from {
        q.push(" AND p.created_at >= ").push_bind(from);
    }
    if let Some(until) = filter.until {
        q.push(" AND p.created_at < ").push_bind(until);
    }
    q.push(match driver {
        Some(_) => " ORDER BY f.rowid DESC LIMIT ",
        None => " ORDER BY p.id DESC LIMIT ",
    });
    q.push_bind((PostPage::PAGE_SIZE + 1) as i64);

    let mut rows = q.build_query_as::<PostRow>().fetch_all(pool).await?;
    let next_before = if rows.len() > PostPage::PAGE_SIZE {
        rows.truncate(PostPage::PAGE_SIZE);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(PostPage { posts: assemble(pool, rows).await?, next_before })
}

pub async fn channel_options(pool: &SqlitePool) -> Result<Vec<ChannelOption>, AppError> {
    Ok(sqlx::query_as::<_, ChannelOption>(
        "SELECT id, name, photo FROM channels ORDER BY name COLLATE NOCASE, id",
    )
    .fetch_all(pool)
    .await?)
}

/// Adds each post's images and links (two queries for the whole page).
async fn assemble(pool: &SqlitePool, rows: Vec<PostRow>) -> Result<Vec<Post>, AppError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut images: HashMap<i64, Vec<PostImage>> = HashMap::new();
    let mut links: HashMap<i64, Vec<PostLink>> = HashMap::new();

    // `columns` of `table` for every post of the page, in order.
    let parts_of = |columns: &str, table: &str| {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT post_id, {columns} FROM {table} WHERE post_id IN ("));
        let mut ids = q.separated(", ");
        for row in &rows {
            ids.push_bind(row.id);
        }
        q.push(") ORDER BY post_id, position");
        q
    };
    let mut q = parts_of("media, alt", "post_images");
    for (post_id, media, alt) in q.build_query_as::<(i64, String, String)>().fetch_all(pool).await? {
        images.entry(post_id).or_default().push(PostImage { media, alt });
    }
    let mut q = parts_of("label, url", "post_links");
    for (post_id, label, url) in q.build_query_as::<(i64, String, String)>().fetch_all(pool).await? {
        links.entry(post_id).or_default().push(PostLink { label, url });
    }

    rows.into_iter()
        .map(|row| {
            let kind = PostType::from_code(&row.kind).ok_or_else(|| {
                tracing::error!(post = row.id, kind = %row.kind, "unknown post type in database");
                AppError::Unexpected
            })?;
            Ok(Post {
                id: row.id,
                channel_id: row.channel_id,
                channel_name: row.channel_name,
                channel_photo: row.channel_photo,
                kind,
                text: row.text,
                images: images.remove(&row.id).unwrap_or_default(),
                links: links.remove(&row.id).unwrap_or_default(),
                created_at: row.created_at,
            })
        })
        .collect()
}

/// What search looks in: the text and the link labels.
fn search_body(text: &str, links: &[PostLink]) -> String {
    let mut body = text.to_owned();
    for link in links.iter().filter(|l| !l.label.is_empty()) {
        body.push('\n');
        body.push_str(&link.label);
    }
    body
}

/// Hangul, Han and kana: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Rewrites every run of CJK characters as its overlapping 2-character windows
/// ("뉴스입니다" → "뉴스 스입 입니 니다"), so that a word index finds 2-character words
/// inside longer runs. Other text passes through for the index's own word splitting.
pub(crate) fn word_windows(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut String| {
        match run.len() {
            0 => {}
            1 => {
                out.push(' ');
                out.push(run[0]);
                out.push(' ');
            }
            _ => {
                for pair in run.windows(2) {
                    out.push(' ');
                    out.push(pair[0]);
                    out.push(pair[1]);
                }
                out.push(' ');
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_runs_become_two_character_windows() {
        assert_eq!(word_windows("뉴스입니다").split_whitespace().collect::<Vec<_>>(), ["뉴스", "스입", "입니", "니다"]);
        assert_eq!(word_windows("新闻 AI news").split_whitespace().collect::<Vec<_>>(), ["新闻", "AI", "news"]);
        assert_eq!(word_windows("a한b").split_whitespace().collect::<Vec<_>>(), ["a", "한", "b"]);
        assert_eq!(word_windows("").trim(), "");
    }
}
