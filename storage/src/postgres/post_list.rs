//! Reading posts on PostgreSQL: one post, and pages of the list with search and filters.
//!
//! A search is answered by the GIN index over each post's tokens (see `posts::search_row`):
//! a long term needs all its trigrams and is then confirmed as a substring of the folded
//! text; a short term is a prefix of a word. These are the same rules as SQLite's two FTS5
//! indexes (`domain::search`), so both engines find the same posts in the same order.

use super::PgStore;
use crate::error::{StoreError, StoreResult};
use domain::post::ValidFilter;
use domain::search::{fold, split_terms, trigrams, words};
use domain::{Post, PostPage};
use sqlx::{Postgres, QueryBuilder};

use crate::rows::PostRow;

const SELECT_POSTS: &str = "SELECT p.id, p.channel_id, c.name AS channel_name, \
     c.photo AS channel_photo, p.kind, p.text, p.created_at \
     FROM posts p JOIN channels c ON c.id = p.channel_id";

pub(super) async fn live_post(store: &PgStore, id: i64) -> StoreResult<Option<Post>> {
    let row = sqlx::query_as::<_, PostRow>(&format!("{SELECT_POSTS} WHERE p.id = $1 AND p.recalled_at IS NULL"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(assemble(store, row.into_iter().collect()).await?.pop())
}

/// A lexeme in tsquery syntax: quoted, with quotes and backslashes escaped.
fn lexeme(raw: &str, prefix: bool) -> String {
    let quoted = format!("'{}'", raw.replace('\\', "\\\\").replace('\'', "''"));
    if prefix {
        format!("{quoted}:*")
    } else {
        quoted
    }
}

/// What a search asks of the index: a tsquery, and the substrings to confirm. `None` when
/// a term can match nothing (a short term without a letter or digit).
fn search_terms(terms: &[String]) -> Option<(String, Vec<String>)> {
    let (long, short) = split_terms(terms);
    let mut query = Vec::new();
    let mut substrings = Vec::new();
    for term in long {
        let folded = fold(term);
        query.extend(trigrams(&folded).iter().map(|t| lexeme(&format!("t{t}"), false)));
        substrings.push(folded);
    }
    for term in short {
        let words = words(term);
        if words.is_empty() {
            return None;
        }
        query.extend(words.iter().map(|w| lexeme(&format!("w{w}"), true)));
    }
    Some((query.join(" & "), substrings))
}

/// How many of the newest posts a search reads through first, newest first, before it
/// asks the index for the older matches: a common term fills a page from the newest posts
/// at once (a few hundred checked), while a rare one is found through the index without
/// reading every match of its parts.
pub(super) const RECENT_WINDOW: i64 = 3_000;

pub(super) async fn list(store: &PgStore, filter: &ValidFilter) -> StoreResult<PostPage> {
    let wanted = PostPage::PAGE_SIZE + 1;
    let search = if filter.terms.is_empty() {
        None
    } else {
        match search_terms(&filter.terms) {
            Some(search) => Some(search),
            None => return Ok(PostPage { posts: vec![], next_before: None }),
        }
    };
    let mut rows = match &search {
        None => page(store, filter, None, None, wanted).await?,
        Some(search) => {
            let below = filter.before.unwrap_or(i64::MAX);
            let newest: i64 = sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM posts WHERE id < $1")
                .bind(below)
                .fetch_one(&store.pool)
                .await?;
            let window_start = newest - store.search_window + 1;
            let mut rows = page(store, filter, Some(search), Some(window_start), wanted).await?;
            if rows.len() < wanted && window_start > 1 {
                let older = ValidFilter { before: Some(window_start), ..filter.clone() };
                rows.extend(older_matches(store, &older, search, wanted - rows.len()).await?);
            }
            rows
        }
    };
    let next_before = crate::rows::cut_page(&mut rows, PostPage::PAGE_SIZE, |r| r.id);
    Ok(PostPage { posts: assemble(store, rows).await?, next_before })
}

/// How long the index may take for the older matches before the search reads the older
/// posts newest first instead.
const INDEX_BUDGET_MS: u32 = 15;

/// The older matches: through the index, which answers a rare term at once; when that
/// takes longer than its budget (a term whose every trigram is common, whose posting
/// lists the index would intersect in full), by reading older posts newest first, which
/// finds a page of such a term after a few hundred posts.
async fn older_matches(
    store: &PgStore,
    filter: &ValidFilter,
    search: &(String, Vec<String>),
    limit: usize,
) -> StoreResult<Vec<PostRow>> {
    let mut tx = store.pool.begin().await?;
    sqlx::query(&format!("SET LOCAL statement_timeout = {INDEX_BUDGET_MS}")).execute(&mut *tx).await?;
    match page_in(&mut tx, filter, Some(search), None, limit).await {
        Ok(rows) => {
            tx.commit().await?;
            Ok(rows)
        }
        Err(StoreError::Database(err))
            if err.as_database_error().and_then(|d| d.code()).as_deref() == Some("57014") =>
        {
            tx.rollback().await?;
            page(store, filter, Some(search), Some(0), limit).await
        }
        Err(other) => Err(other),
    }
}

/// The newest `limit` live posts matching the filter (and `search`), at or above `from`.
///
/// With `from` (the recent window), the posts are read newest first by id and the search
/// is checked on each: `OFFSET 0` keeps the planner from answering the window through the
/// search index instead, which for a common term means intersecting posting lists of
/// hundreds of thousands of posts (its estimates for trigrams, which always come together,
/// are far too low). Without `from`, the planner chooses, and takes the index.
async fn page(
    store: &PgStore,
    filter: &ValidFilter,
    search: Option<&(String, Vec<String>)>,
    from: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<PostRow>> {
    let mut connection = store.pool.acquire().await?;
    page_in(&mut connection, filter, search, from, limit).await
}

async fn page_in(
    connection: &mut sqlx::PgConnection,
    filter: &ValidFilter,
    search: Option<&(String, Vec<String>)>,
    from: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<PostRow>> {
    // The channel is joined to the page only, so that the page itself can stop early.
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT p.id, p.channel_id, c.name AS channel_name, c.photo AS channel_photo, ");
    q.push("p.kind, p.text, p.created_at FROM (SELECT id, channel_id, kind, text, created_at FROM ");
    match from {
        Some(from) => {
            q.push("(SELECT * FROM posts WHERE id >= ").push_bind(from);
            if let Some(before) = filter.before {
                q.push(" AND id < ").push_bind(before);
            }
            q.push(" ORDER BY id DESC OFFSET 0) w");
        }
        None => {
            q.push("posts");
        }
    }
    q.push(" WHERE recalled_at IS NULL");
    if let Some((query, substrings)) = search {
        // The substrings first: checked on a row, they are cheaper than the token match and
        // reject most rows of a rare term.
        for substring in substrings {
            q.push(" AND strpos(search_folded, ").push_bind(substring.clone()).push(") > 0");
        }
        q.push(" AND search_tokens @@ ").push_bind(query.clone()).push("::tsquery");
    }
    if let Some(before) = filter.before {
        q.push(" AND id < ").push_bind(before);
    }
    if let Some(channel) = filter.channel_id {
        q.push(" AND channel_id = ").push_bind(channel);
    }
    if let Some(kind) = filter.kind {
        q.push(" AND kind = ").push_bind(kind.code());
    }
    if let Some(from) = filter.from {
        q.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(until) = filter.until {
        q.push(" AND created_at < ").push_bind(until);
    }
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit as i64);
    q.push(") p JOIN channels c ON c.id = p.channel_id ORDER BY p.id DESC");
    Ok(q.build_query_as::<PostRow>().fetch_all(&mut *connection).await?)
}

/// Adds each post's images and links (two queries for the whole page).
async fn assemble(store: &PgStore, rows: Vec<PostRow>) -> StoreResult<Vec<Post>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let images = sqlx::query_as(
        "SELECT post_id, media, alt FROM post_images WHERE post_id = ANY($1) ORDER BY post_id, position",
    )
    .bind(&ids)
    .fetch_all(&store.pool)
    .await?;
    let links =
        sqlx::query_as("SELECT post_id, label, url FROM post_links WHERE post_id = ANY($1) ORDER BY post_id, position")
            .bind(&ids)
            .fetch_all(&store.pool)
            .await?;
    crate::rows::posts(rows, images, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_a_tsquery_and_substrings() {
        let terms = vec!["Harbor".to_owned(), "서울".to_owned()];
        let (query, substrings) = search_terms(&terms).unwrap();
        assert_eq!(query, "'thar' & 'tarb' & 'trbo' & 'tbor' & 'w서울':*");
        assert_eq!(substrings, ["harbor"]);
        assert_eq!(lexeme("it's\\", false), "'it''s\\\\'");
        assert!(search_terms(&["!!".to_owned()]).is_none());
    }
}
