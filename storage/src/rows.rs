//! Rows as both engines read them, and how they become the domain's values: one place, so
//! that SQLite and PostgreSQL answer with exactly the same shapes.

use crate::error::{StoreError, StoreResult};
use domain::{AuditEntry, AuditPage, Channel, Post, PostImage, PostLink, PostType, ValidPost};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
pub(crate) struct ChannelRow {
    id: i64,
    name: String,
    profile: String,
    photo: Option<String>,
    account_id: String,
    face_url: Option<String>,
    created_at: i64,
    updated_at: i64,
    subscriber_count: i64,
    max_subscribers: i64,
    post_count: i64,
    last_post_at: Option<i64>,
}

impl ChannelRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl From<ChannelRow> for Channel {
    fn from(r: ChannelRow) -> Self {
        Channel {
            id: r.id,
            name: r.name,
            profile: r.profile,
            photo: r.photo,
            account_id: r.account_id,
            face_url: r.face_url,
            created_at: r.created_at,
            updated_at: r.updated_at,
            subscriber_count: r.subscriber_count,
            max_subscribers: r.max_subscribers,
            post_count: r.post_count,
            last_post_at: r.last_post_at,
        }
    }
}

/// How the audit log names a channel.
pub(crate) fn channel_subject(id: i64, name: &str) -> String {
    format!("#{id} {name}")
}

/// A post of a page, before its images and links are added.
#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    pub(crate) id: i64,
    channel_id: i64,
    channel_name: String,
    channel_photo: Option<String>,
    kind: String,
    text: String,
    created_at: i64,
    recalled_at: Option<i64>,
}

/// Cuts a page read with one row more than it shows: the extra row says there is a next
/// page, which starts below the last row shown.
pub(crate) fn cut_page<T>(rows: &mut Vec<T>, size: usize, id: impl Fn(&T) -> i64) -> Option<i64> {
    if rows.len() > size {
        rows.truncate(size);
        rows.last().map(id)
    } else {
        None
    }
}

/// The posts of a page with their images and links (`(post id, ...)` in position order).
pub(crate) fn posts(
    rows: Vec<PostRow>,
    image_rows: Vec<(i64, String, String)>,
    link_rows: Vec<(i64, String, String)>,
) -> StoreResult<Vec<Post>> {
    let mut images: HashMap<i64, Vec<PostImage>> = HashMap::new();
    for (post_id, media, alt) in image_rows {
        images.entry(post_id).or_default().push(PostImage { media, alt });
    }
    let mut links: HashMap<i64, Vec<PostLink>> = HashMap::new();
    for (post_id, label, url) in link_rows {
        links.entry(post_id).or_default().push(PostLink { label, url });
    }
    rows.into_iter()
        .map(|row| {
            let kind = PostType::from_code(&row.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("post {} has unknown type {:?}", row.id, row.kind)))?;
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
                recalled_at: row.recalled_at,
            })
        })
        .collect()
}

/// A post just stored, as lists show it, without reading it back.
pub(crate) fn just_published(
    id: i64,
    post: &ValidPost,
    channel_name: String,
    channel_photo: Option<String>,
    created_at: i64,
) -> Post {
    Post {
        id,
        channel_id: post.channel_id,
        channel_name,
        channel_photo,
        kind: post.kind,
        text: post.text().to_owned(),
        images: post.images.iter().map(PostImage::from).collect(),
        links: post.links.iter().map(PostLink::from).collect(),
        created_at,
        recalled_at: None,
    }
}

/// A page of the audit log from its rows (read one past the page size).
pub(crate) fn audit_page(rows: Vec<(i64, i64, String, String, String, String)>) -> AuditPage {
    let mut entries: Vec<AuditEntry> = rows
        .into_iter()
        .map(|(id, at, operator, action, subject, address)| AuditEntry {
            id,
            at,
            operator,
            action,
            subject,
            address,
            label: String::new(),
        })
        .collect();
    let next = cut_page(&mut entries, AuditPage::SIZE, |e| e.id);
    AuditPage { entries, next }
}
