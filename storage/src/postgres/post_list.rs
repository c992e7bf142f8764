//! Reading posts on PostgreSQL: one post, and pages of the list with search and filters.
//!
//! A search is answered by the GIN index over each post's tokens (see `posts::search_row`):
//! a long term needs all its trigrams and is then confirmed as a substring of the folded
//! text; a short term is a prefix of a word. These are the same rules as SQLite's two FTS5
//! indexes (`domain::search`), so both engines find the same posts in the same order.

use super::PgStore;
use crate::error::StoreResult;
use domain::post::ValidFilter;
use domain::search::{fold, split_terms, trigrams, words};
use domain::{Post, PostPage};
use sqlx::{Postgres, QueryBuilder};

use crate::rows::PostRow;

const SELECT_POSTS: &str = "SELECT p.id, p.channel_id, c.name AS channel_name, \
     c.photo AS channel_photo, p.kind, p.text, p.created_at, p.recalled_at \
     FROM posts p JOIN channels c ON c.id = p.channel_id";

async fn live_post(store: &PgStore, id: i64) -> StoreResult<Option<Post>> {
    let row = sqlx::query_as::<_, PostRow>(&format!("{SELECT_POSTS} WHERE p.id = $1 AND p.recalled_at IS NULL"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    Ok(assemble(store, row.into_iter().collect()).await?.pop())
}

/// A lexeme in tsquery syntax: quoted, with quotes and backslashes escaped.
fn lexeme(raw: &str) -> String {
    format!("'{}'", raw.replace('\\', "\\\\").replace('\'', "''"))
}

/// What a search asks of the index: a tsquery, and the substrings to confirm. `None` when
/// a term can match nothing (a short term without a letter or digit).
fn search_terms(terms: &[String]) -> Option<(String, Vec<String>)> {
    let (long, short) = split_terms(terms);
    let mut query = Vec::new();
    let mut substrings = Vec::new();
    for term in long {
        let folded = fold(term);
        // Trigrams that cover the term without overlapping (and the last one): the
        // substring check confirms the term, and every lexeme the index must match costs
        // time on each post it looks at.
        let all = trigrams(&folded);
        let covering = all.iter().enumerate().filter(|(i, _)| i % 3 == 0 || *i + 1 == all.len());
        query.extend(covering.map(|(_, t)| lexeme(&format!("t{t}"))));
        substrings.push(folded);
    }
    for term in short {
        let words = words(term);
        if words.is_empty() {
            return None;
        }
        // A short term's words have one or two characters: each is a word start (see
        // `posts::search_row`).
        query.extend(words.iter().map(|w| lexeme(&format!("p{w}"))));
    }
    Some((query.join(" & "), substrings))
}

/// How many of the newest posts a search reads through first, newest first: a common term
/// fills a page there at once.
pub(super) const RECENT_WINDOW: i64 = 256;

/// The runs of posts a search then asks the index for, as powers of two: 1,024 posts, then
/// 8,192, 65,536 and 524,288 (each post's tokens hold `b{level}_{id >> level}` for every
/// level; the migrations write the same). Changing them means rewriting every post's tokens.
pub(super) const SEARCH_LEVELS: [u32; 4] = [10, 13, 16, 19];

async fn list(store: &PgStore, filter: &ValidFilter) -> StoreResult<PostPage> {
    let wanted = PostPage::PAGE_SIZE + 1;
    let mut rows = if filter.terms.is_empty() {
        page(store, filter, None, None, wanted).await?
    } else {
        match search_terms(&filter.terms) {
            Some(search) => search_page(store, filter, &search, wanted).await?,
            None => vec![],
        }
    };
    let next_before = crate::rows::cut_page(&mut rows, PostPage::PAGE_SIZE, |r| r.id);
    Ok(PostPage { posts: assemble(store, rows).await?, next_before })
}

/// The newest `wanted` matches below the filter's `before`.
///
/// The index alone would find every match of a term and sort them: for a common term
/// (each trigram of "harbor" is in a quarter of the posts) that is hundreds of thousands
/// of posts. So the newest posts are read first, newest first, which fills a page of a
/// common term at once; then the index is asked for one run of consecutive posts at a
/// time, going back from the newest, each run's token in the query bounding the work to
/// the run; a run that matched too rarely to give, whole, half of what is still missing is
/// followed by a longer one; past the longest level, the index answers for all older posts. Every step reads
/// the posts just below the previous one, so the pages are those of a single sorted scan.
async fn search_page(
    store: &PgStore,
    filter: &ValidFilter,
    search: &(String, Vec<String>),
    wanted: usize,
) -> StoreResult<Vec<PostRow>> {
    let below = filter.before.unwrap_or(i64::MAX);
    let newest: i64 = sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM posts WHERE id < $1")
        .bind(below)
        .fetch_one(&store.pool)
        .await?;
    let window_start = (newest - store.search_window + 1).max(1);
    let mut rows = page(store, filter, Some(search), Some(window_start), wanted).await?;
    // Every post below `upper` is still to be searched.
    let mut upper = window_start;
    let mut level = 0;
    while rows.len() < wanted && upper > 1 {
        let need = wanted - rows.len();
        match store.search_levels.get(level) {
            Some(&bits) => {
                let run = (upper - 1) >> bits;
                let found = from_index(store, filter, search, Some(format!("b{bits}_{run}")), upper, need).await?;
                // At the rate this run matched, would a whole run of this size give at least
                // half of what is still missing? If not, the next run is longer.
                let covered = (upper - (run << bits)).max(1);
                let projected = found.len() as i64 * (1_i64 << bits) / covered;
                if projected * 2 < (need - found.len()) as i64 {
                    level += 1;
                }
                rows.extend(found);
                upper = run << bits;
            }
            None => {
                rows.extend(from_index(store, filter, search, None, upper, need).await?);
                break;
            }
        }
    }
    Ok(rows)
}

/// The newest `limit` matches below `upper`, through the search index only (within one run
/// when `run` names its token). The fence (`OFFSET 0`) keeps the filters and the order out
/// of the index scan, so that the planner cannot answer it by reading the posts by id or
/// by channel instead, which for a rare term means reading most of them.
async fn from_index(
    store: &PgStore,
    filter: &ValidFilter,
    (query, substrings): &(String, Vec<String>),
    run: Option<String>,
    upper: i64,
    limit: usize,
) -> StoreResult<Vec<PostRow>> {
    let query = match run {
        Some(run) => format!("({query}) & {}", lexeme(&run)),
        None => query.clone(),
    };
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT p.id, p.channel_id, c.name AS channel_name, c.photo AS channel_photo, ");
    q.push("p.kind, p.text, p.created_at, p.recalled_at FROM (SELECT id, channel_id, kind, text, created_at, recalled_at FROM ");
    q.push("(SELECT * FROM posts WHERE search_tokens @@ ").push_bind(query).push("::tsquery OFFSET 0) m");
    q.push(" WHERE ").push(filter.recalled_clause()).push(" AND id < ").push_bind(upper);
    for substring in substrings {
        q.push(" AND strpos(search_folded, ").push_bind(substring.clone()).push(") > 0");
    }
    push_filters(&mut q, filter);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit as i64);
    q.push(") p JOIN channels c ON c.id = p.channel_id ORDER BY p.id DESC");
    Ok(q.build_query_as::<PostRow>().fetch_all(&store.pool).await?)
}

fn push_filters(q: &mut QueryBuilder<'_, Postgres>, filter: &ValidFilter) {
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
}

/// The newest `limit` live posts matching the filter (and `search`), at or above `from`.
///
/// With `from` (the recent window), the posts are read newest first by id and the search
/// is checked on each: `OFFSET 0` keeps the planner from answering the window through the
/// search index instead, which for a common term means finding and sorting every match
/// (its estimates for trigrams, which always come together, are far too low).
async fn page(
    store: &PgStore,
    filter: &ValidFilter,
    search: Option<&(String, Vec<String>)>,
    from: Option<i64>,
    limit: usize,
) -> StoreResult<Vec<PostRow>> {
    // The channel is joined to the page only, so that the page itself can stop early.
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT p.id, p.channel_id, c.name AS channel_name, c.photo AS channel_photo, ");
    q.push("p.kind, p.text, p.created_at, p.recalled_at FROM (SELECT id, channel_id, kind, text, created_at, recalled_at FROM ");
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
    q.push(" WHERE ").push(filter.recalled_clause());
    if let Some((query, substrings)) = search {
        // The substrings first: checked on a row, they are cheaper than the token match and
        // reject most rows of a rare term.
        for substring in substrings {
            q.push(" AND strpos(search_folded, ").push_bind(substring.clone()).push(") > 0");
        }
        q.push(" AND search_tokens @@ ").push_bind(query.clone()).push("::tsquery");
    }
    push_filters(&mut q, filter);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit as i64);
    q.push(") p JOIN channels c ON c.id = p.channel_id ORDER BY p.id DESC");
    Ok(q.build_query_as::<PostRow>().fetch_all(&store.pool).await?)
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

impl PgStore {
    /// A live (not recalled) post.
    pub(crate) async fn live_post(&self, id: i64) -> StoreResult<Option<Post>> {
        live_post(self, id).await
    }

    /// A page of the newest posts matching the filter.
    pub(crate) async fn list(&self, filter: &ValidFilter) -> StoreResult<PostPage> {
        list(self, filter).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_a_tsquery_and_substrings() {
        let terms = vec!["Harbor".to_owned(), "서울".to_owned()];
        let (query, substrings) = search_terms(&terms).unwrap();
        assert_eq!(query, "'thar' & 'tbor' & 'p서울'");
        assert_eq!(substrings, ["harbor"]);
        assert_eq!(lexeme("it's\\"), "'it''s\\\\'");
        assert!(search_terms(&["!!".to_owned()]).is_none());
    }

    #[test]
    fn a_post_holds_the_start_of_each_word() {
        fn starts(w: &str) -> Vec<&str> {
            super::super::posts::word_starts(w).collect()
        }
        assert_eq!(starts("harbor"), ["h", "ha"]);
        assert_eq!(starts("ai"), ["a", "ai"]);
        assert_eq!(starts("a"), ["a"]);
        assert_eq!(starts("서울역"), ["서", "서울"]);
        assert!(starts("").is_empty());
        let (lexemes, _) = super::super::posts::search_row("Seoul 서울");
        assert!(lexemes.contains(&"ps".to_owned()) && lexemes.contains(&"pse".to_owned()));
        assert!(lexemes.contains(&"p서울".to_owned()) && !lexemes.iter().any(|l| l.starts_with('w')));
    }
}
