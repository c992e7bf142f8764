//! Reading posts on SQLite: one post, and pages of the list with search and filters.
//!
//! Search uses two contentless FTS5 indexes (see `domain::search` for which terms each
//! answers). Queries are driven from an index in descending rowid order with the page
//! limit, so SQLite stops after one page instead of sorting every match; pages are cut by id
//! (`before`), so posts published meanwhile never shift the next page.

use super::SqliteStore;
use crate::error::StoreResult;
use domain::post::ValidFilter;
use domain::search::{is_cjk, split_terms, word_windows, words};
use domain::{Post, PostPage};
use sqlx::{QueryBuilder, Sqlite};

use crate::rows::PostRow;

const SELECT_POSTS: &str = "SELECT p.id, p.channel_id, c.name AS channel_name, \
     c.photo AS channel_photo, p.kind, p.text, p.created_at, p.recalled_at \
     FROM posts p JOIN channels c ON c.id = p.channel_id";

async fn live_post(store: &SqliteStore, id: i64) -> StoreResult<Option<Post>> {
    let row = sqlx::query_as::<_, PostRow>(&format!("{SELECT_POSTS} WHERE p.id = $1 AND p.recalled_at IS NULL"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(assemble(store, row.into_iter().collect()).await?.pop())
}

/// An FTS5 phrase: the term in double quotes (terms never contain quotes; see
/// `domain::search::terms`).
fn phrase(term: &str) -> String {
    format!("\"{term}\"")
}

async fn list(store: &SqliteStore, filter: &ValidFilter) -> StoreResult<PostPage> {
    let (long, short) = split_terms(&filter.terms);
    // A short term of punctuation alone is no word: it matches nothing (and an empty FTS5
    // phrase would be a syntax error).
    if short.iter().any(|t| words(t).is_empty()) {
        return Ok(PostPage { posts: vec![], next_before: None });
    }
    let search = Search {
        trigram: (!long.is_empty()).then(|| long.iter().map(|t| phrase(t)).collect::<Vec<_>>().join(" ")),
        words: (!short.is_empty()).then(|| short.iter().map(|t| word_query(t)).collect::<Vec<_>>().join(" ")),
    };
    let mut rows = match (&search.trigram, &search.words) {
        (Some(trigram), Some(_)) => in_runs(store, filter, &search, trigram).await?,
        _ => {
            search
                .page(filter, None, PostPage::PAGE_SIZE + 1)
                .build_query_as::<PostRow>()
                .fetch_all(&store.pool)
                .await?
        }
    };
    let next_before = crate::rows::cut_page(&mut rows, PostPage::PAGE_SIZE, |r| r.id);
    Ok(PostPage { posts: assemble(store, rows).await?, next_before })
}

/// A short term as the word index looks it up: a prefix of a word ("ai" finds "aid"), except
/// two Hangul, Han or kana characters, which are a whole token there (a 2-character
/// window), so that FTS5 reads their entries newest first and stops after a page instead
/// of gathering every token with that prefix (12 ms for "날씨" in 1M posts, 0.2 ms exact).
fn word_query(term: &str) -> String {
    let windows = phrase(&word_windows(term));
    let mut chars = term.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), Some(b), None) if is_cjk(a) && is_cjk(b) => windows,
        _ => format!("{windows}*"),
    }
}

/// A search's FTS5 queries, for the trigram index (terms of 3 or more characters) and the
/// word index (shorter ones).
struct Search {
    trigram: Option<String>,
    words: Option<String>,
}

impl Search {
    /// The query for the newest `limit` posts that match, driven from a search index in
    /// descending rowid order when there is one; within `bounds` (rowids, inclusive) if given.
    fn page(&self, filter: &ValidFilter, bounds: Option<(i64, i64)>, limit: usize) -> QueryBuilder<'static, Sqlite> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("");
        let driver = match (&self.trigram, &self.words) {
            (Some(query), _) => Some(("posts_trigram", query.clone())),
            (None, Some(query)) => Some(("posts_words", query.clone())),
            (None, None) => None,
        };
        match &driver {
            Some((table, query)) => {
                q.push(format!(
                    "SELECT p.id, p.channel_id, c.name AS channel_name, c.photo AS channel_photo, \
                     p.kind, p.text, p.created_at, p.recalled_at FROM {table} f \
                     JOIN posts p ON p.id = f.rowid JOIN channels c ON c.id = p.channel_id \
                     WHERE {table} MATCH "
                ));
                q.push_bind(query.clone());
                if let Some((low, high)) = bounds {
                    q.push(" AND f.rowid BETWEEN ").push_bind(low).push(" AND ").push_bind(high);
                }
                if *table == "posts_trigram" {
                    if let Some(words) = &self.words {
                        q.push(" AND p.id IN (SELECT rowid FROM posts_words WHERE posts_words MATCH ");
                        q.push_bind(words.clone());
                        if let Some((low, high)) = bounds {
                            q.push(" AND rowid BETWEEN ").push_bind(low).push(" AND ").push_bind(high);
                        }
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
        q.push(" AND p.").push(filter.recalled_clause());
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
        q.push_bind(limit as i64);
        q
    }
}

/// A search with terms for both indexes ("서울 harbor"). Asked at once, SQLite would gather
/// every rowid the word index has for "서울" (a fifth of all posts) before the first row.
/// Instead the trigram index's matches are read in runs, newest first: the word index is
/// asked only within each run's rowid range, and a run that did not fill the page is
/// followed by one four times its size (256, 1,024, ...), so that a common pair costs one
/// small run and a rare one a few growing runs, never the whole index at once.
async fn in_runs(
    store: &SqliteStore,
    filter: &ValidFilter,
    search: &Search,
    trigram: &str,
) -> StoreResult<Vec<PostRow>> {
    let wanted = PostPage::PAGE_SIZE + 1;
    let mut rows = Vec::with_capacity(wanted);
    let mut high = filter.before.map_or(i64::MAX, |b| b - 1);
    let mut run: i64 = 256;
    loop {
        let (low, len): (Option<i64>, i64) = sqlx::query_as(
            "SELECT min(rowid), count(*) FROM (SELECT rowid FROM posts_trigram \
             WHERE posts_trigram MATCH ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?)",
        )
        .bind(trigram)
        .bind(high)
        .bind(run)
        .fetch_one(&store.pool)
        .await?;
        let Some(low) = low else { break };
        let mut found = search.page(filter, Some((low, high)), wanted - rows.len());
        rows.extend(found.build_query_as::<PostRow>().fetch_all(&store.pool).await?);
        if rows.len() >= wanted || len < run {
            break;
        }
        high = low - 1;
        run = run.saturating_mul(4);
    }
    Ok(rows)
}

/// Adds each post's images and links (two queries for the whole page).
async fn assemble(store: &SqliteStore, rows: Vec<PostRow>) -> StoreResult<Vec<Post>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
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
    let images = parts_of("media, alt", "post_images").build_query_as().fetch_all(&store.pool).await?;
    let links = parts_of("label, url", "post_links").build_query_as().fetch_all(&store.pool).await?;
    crate::rows::posts(rows, images, links)
}

impl SqliteStore {
    /// A live (not recalled) post.
    pub(crate) async fn live_post(&self, id: i64) -> StoreResult<Option<Post>> {
        live_post(self, id).await
    }

    /// A page of the newest posts matching the filter.
    pub(crate) async fn list(&self, filter: &ValidFilter) -> StoreResult<PostPage> {
        list(self, filter).await
    }
}
