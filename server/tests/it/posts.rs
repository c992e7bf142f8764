//! Publishing, listing and searching posts over HTTP, against a real SQLite database.

use crate::common::on_both;
use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::{json, Value};

fn draft(channel: i64, kind: &str, text: &str, images: &[&str], links: Value) -> Value {
    json!({
        "channel_id": channel,
        "kind": kind,
        "text": text,
        "images": images.iter().map(|m| json!({"media": m, "alt": ""})).collect::<Vec<_>>(),
        "links": links,
    })
}

impl TestApp {
    async fn publish(&self, draft: Value, request_id: &str) -> crate::common::Reply {
        self.call_json("publish_post", json!({"draft": draft, "request_id": request_id})).await
    }

    async fn text_post(&self, channel: i64, text: &str) -> i64 {
        let reply = self.publish(draft(channel, "TextOnly", text, &[], json!([])), &unique()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()["id"].as_i64().unwrap()
    }

    async fn search(&self, filter: Value) -> Value {
        let reply = self.call_json("list_posts", json!({ "filter": filter })).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
        reply.json()
    }

    async fn found(&self, q: &str) -> Vec<String> {
        self.search(json!({ "q": q })).await["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn post_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM posts").fetch_one(&self.pool).await.unwrap()
    }
}

fn unique() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!("req-{}", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

on_both! { async fn each_type_is_published_and_listed_newest_first(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let image = app.upload_png(9).await;
    let links = json!([{"label": "Read more", "url": "https://example.com/a"}]);

    let a = app.publish(draft(channel, "ImageAndText", "Both kinds", &[&image], links.clone()), "a").await;
    assert_eq!(a.status, StatusCode::OK);
    let b = app.publish(draft(channel, "ImageOnly", "", &[&image, &image], json!([])), "b").await;
    assert_eq!(b.status, StatusCode::OK);
    let c = app.publish(draft(channel, "TextOnly", "  Just words  ", &[], links), "c").await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.json()["text"], "Just words", "text is stored trimmed");

    let list = app.search(json!({})).await;
    let posts = list["posts"].as_array().unwrap();
    let kinds: Vec<&str> = posts.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["TextOnly", "ImageOnly", "ImageAndText"]);
    assert_eq!(posts[0]["channel_name"], "News");
    assert_eq!(posts[1]["images"].as_array().unwrap().len(), 2);
    assert_eq!(posts[2]["links"][0], json!({"label": "Read more", "url": "https://example.com/a"}));

    let id = posts[2]["id"].to_string();
    let one = app.call("get_post", &[("id", &id)]).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["text"], "Both kinds");
    assert_eq!(app.call("get_post", &[("id", "999")]).await.status, StatusCode::NOT_FOUND);
}}

on_both! { async fn a_retried_publish_never_makes_two_posts(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let body = draft(channel, "TextOnly", "once", &[], json!([]));
    let first = app.publish(body.clone(), "same-request").await.json();
    let again = app.publish(body.clone(), "same-request").await.json();
    assert_eq!(first["id"], again["id"]);
    // Two at once, as a double click over a slow network sends them.
    let (x, y) = tokio::join!(app.publish(body.clone(), "twin"), app.publish(body.clone(), "twin"));
    assert_eq!((x.status, y.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(x.json()["id"], y.json()["id"]);
    assert_eq!(app.post_count().await, 2);
}}

on_both! { async fn rules_are_checked_again_on_the_server(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let image = app.upload_png(9).await;
    let cases = [
        (
            draft(channel, "TextOnly", "x", &[], json!([{"label": "evil", "url": "javascript:alert(1)"}])),
            json!({"Invalid": {"UnsupportedScheme": {"field": "LinkUrl"}}}),
        ),
        (
            draft(channel, "TextOnly", &"a".repeat(10_001), &[], json!([])),
            json!({"Invalid": {"TooLong": {"field": "PostText", "max": 10000, "actual": 10001}}}),
        ),
        (
            draft(channel, "ImageAndText", "x", &[image.as_str(); 10], json!([])),
            json!({"Invalid": {"TooMany": {"field": "PostImages", "max": 9, "actual": 10}}}),
        ),
        (
            draft(channel, "ImageOnly", "sneaky text", &[&image], json!([])),
            json!({"Invalid": {"NotCarried": {"field": "PostText", "kind": "Image Only"}}}),
        ),
        (
            draft(channel, "TextOnly", "x", &[&image], json!([])),
            json!({"Invalid": {"NotCarried": {"field": "PostImages", "kind": "Text Only"}}}),
        ),
        (
            draft(channel, "ImageAndText", "x", &[], json!([])),
            json!({"Invalid": {"Required": {"field": "PostImages"}}}),
        ),
        (
            draft(channel, "ImageOnly", "", &[&"b".repeat(64)], json!([])),
            json!({"Invalid": {"UnknownMedia": {"field": "PostImages"}}}),
        ),
        (
            draft(channel, "TextOnly", "x", &[], Value::Array(vec![json!({"label": "", "url": "https://e.com"}); 6])),
            json!({"Invalid": {"TooMany": {"field": "PostLinks", "max": 5, "actual": 6}}}),
        ),
        (
            draft(channel, "TextOnly", "x", &[], json!([{"label": "l".repeat(101), "url": "https://e.com"}])),
            json!({"Invalid": {"TooLong": {"field": "LinkLabel", "max": 100, "actual": 101}}}),
        ),
    ];
    for (body, expected) in cases {
        let reply = app.publish(body, &unique()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
        assert_eq!(reply.json(), expected);
    }
    let malformed = app.call_json("publish_post", json!({"draft": {"kind": "Video"}, "request_id": "x"})).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.post_count().await, 0);
}}

on_both! { async fn publishing_to_a_deleted_channel_is_404_with_a_message(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("Gone").await;
    app.call("delete_channel", &[("id", &channel.to_string())]).await;
    let reply = app.publish(draft(channel, "TextOnly", "hello", &[], json!([])), "r").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["NotFound"].as_str().unwrap().contains("no longer exists"));
}}

on_both! { async fn search_finds_english_words_and_korean_and_chinese_substrings(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    app.text_post(channel, "Rust 1.95 released today").await;
    app.text_post(channel, "오늘의 뉴스입니다").await;
    app.text_post(channel, "今天的新闻联播").await;
    app.text_post(channel, "Weather: sunny").await;
    let link = json!([{"label": "Trustworthy sources", "url": "https://example.com"}]);
    app.publish(draft(channel, "TextOnly", "See the link", &[], link), "l").await;

    assert_eq!(
        app.found("rust").await,
        ["See the link", "Rust 1.95 released today"],
        "substring, any case, link labels too"
    );
    assert_eq!(app.found("RELEASED").await, ["Rust 1.95 released today"]);
    assert_eq!(app.found("뉴스입니").await, ["오늘의 뉴스입니다"]);
    assert_eq!(app.found("뉴스").await, ["오늘의 뉴스입니다"], "2-character Korean word");
    assert_eq!(app.found("新闻").await, ["今天的新闻联播"], "2-character Chinese word");
    assert_eq!(app.found("新闻联播").await, ["今天的新闻联播"]);
    assert_eq!(app.found("of").await, Vec::<String>::new());
    assert_eq!(app.found("sun weather").await, ["Weather: sunny"], "every term must match");
    assert_eq!(app.found("rust 뉴스").await, Vec::<String>::new());
    assert_eq!(app.found("\"\"\"").await.len(), 5, "a query of quotes only is no query");
}}

on_both! { async fn filters_by_channel_type_and_date(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let news = app.channel("News").await;
    let sport = app.channel("Sport").await;
    let image = app.upload_png(9).await;
    let old = app.text_post(news, "old news").await;
    app.text_post(sport, "sport text").await;
    app.publish(draft(sport, "ImageOnly", "", &[&image], json!([])), "img").await;
    sqlx::query("UPDATE posts SET created_at = 86400 WHERE id = $1").bind(old).execute(&app.pool).await.unwrap();

    let texts = |v: Value| v["posts"].as_array().unwrap().len();
    assert_eq!(texts(app.search(json!({"channel_id": sport})).await), 2);
    assert_eq!(texts(app.search(json!({"kind": "ImageOnly"})).await), 1);
    assert_eq!(texts(app.search(json!({"from": "1970-01-02", "to": "1970-01-02"})).await), 1);
    assert_eq!(texts(app.search(json!({"to": "1970-01-01"})).await), 0);
    assert_eq!(texts(app.search(json!({"from": "1970-01-03"})).await), 2);
    assert_eq!(texts(app.search(json!({"q": "text", "channel_id": news})).await), 0);
    let bad = app.call_json("list_posts", json!({"filter": {"from": "2026-02-30"}})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json(), json!({"Invalid": {"InvalidDate": {"field": "SearchDate"}}}));
}}

on_both! { async fn pages_stay_stable_while_new_posts_arrive(pool: TestDb) {
    let app = TestApp::new(pool).await;
    // Plain listing, a trigram search and a short-word search: each on a channel of its own.
    for (k, q) in ["", "common", "po"].into_iter().enumerate() {
        let channel = app.channel(&format!("Channel {k}")).await;
        for i in 0..25 {
            app.text_post(channel, &format!("post {i} common")).await;
        }
        let filter = json!({"q": q, "channel_id": channel});
        let first = app.search(filter.clone()).await;
        assert_eq!(first["posts"].as_array().unwrap().len(), 20, "{q}");
        assert_eq!(first["posts"][0]["text"], "post 24 common");
        let before = first["next_before"].as_i64().expect("a second page");
        app.text_post(channel, "arrived meanwhile common po").await;
        let mut next = filter.clone();
        next["before"] = json!(before);
        let second = app.search(next).await;
        let texts: Vec<&str> =
            second["posts"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["post 4 common", "post 3 common", "post 2 common", "post 1 common", "post 0 common"], "{q}");
        assert_eq!(second["next_before"], Value::Null);
    }
}}

on_both! { async fn deleting_a_channel_deletes_its_posts_their_search_entries_and_images(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let keep = app.channel("Keep").await;
    let gone = app.channel("Gone").await;
    let own = app.upload_png(50).await;
    app.publish(draft(gone, "ImageAndText", "unique searchable words", &[&own], json!([])), "g").await;
    app.text_post(keep, "kept post").await;
    assert_eq!(app.found("searchable").await.len(), 1);

    assert_eq!(app.call("delete_channel", &[("id", &gone.to_string())]).await.status, StatusCode::OK);
    assert_eq!(app.post_count().await, 1);
    assert_eq!(app.found("searchable").await.len(), 0);
    let fts: i64 = app.db.search_entries_with("searchable").await;
    assert_eq!(fts, 0);
    assert!(!app.media_file_exists(&own), "the post's image, used nowhere else, is gone");
}}

on_both! { async fn recalled_posts_leave_the_list_and_search(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let id = app.text_post(channel, "to be recalled").await;
    sqlx::query("UPDATE posts SET recalled_at = 1 WHERE id = $1").bind(id).execute(&app.pool).await.unwrap();
    assert_eq!(app.found("recalled").await.len(), 0);
    assert_eq!(app.search(json!({})).await["posts"].as_array().unwrap().len(), 0);
    assert_eq!(app.call("get_post", &[("id", &id.to_string())]).await.status, StatusCode::NOT_FOUND);
}}

// A recall from the console is the REST recall: the post leaves the list, search and its
// page, the audit log says who recalled it with the message key a REST recall names, and
// operators still find it (marked, with its time) when they ask for recalled posts.
on_both! { async fn a_post_recalled_from_the_console_is_gone_for_readers_and_listed_as_recalled(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let channel = app.channel("News").await;
    let kept = app.text_post(channel, "harbor opening stays").await;
    let id = app.text_post(channel, "harbor closing recalled").await;
    let recall = |id: i64| {
        let app = &app;
        async move { app.call("recall_post", &[("id", &id.to_string())]).await }
    };

    assert_eq!(recall(id).await.status, StatusCode::OK);
    assert_eq!(app.found("harbor").await, ["harbor opening stays"]);
    let live = app.search(json!({})).await;
    assert_eq!(live["posts"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect::<Vec<_>>(), [kept]);
    assert!(live["posts"][0].get("recalled_at").is_none(), "live posts carry no recall time");
    assert_eq!(app.call("get_post", &[("id", &id.to_string())]).await.status, StatusCode::NOT_FOUND);

    let (action, subject): (String, String) =
        sqlx::query_as("SELECT action, subject FROM audit_log ORDER BY id DESC LIMIT 1").fetch_one(&app.pool).await.unwrap();
    let (random, time): (i64, i64) = sqlx::query_as("SELECT msg_random, created_at FROM posts WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(action, "post_recalled");
    assert_eq!(subject, format!("{id}_{random}_{time} in #{channel} News"));

    // Operators find it among the recalled posts, by its words too.
    for filter in [json!({"recalled": true}), json!({"recalled": true, "q": "closing"}), json!({"recalled": true, "q": "ha"})] {
        let page = app.search(filter.clone()).await;
        let posts = page["posts"].as_array().unwrap();
        assert_eq!(posts.len(), 1, "{filter}");
        assert_eq!(posts[0]["id"], id, "{filter}");
        assert!(posts[0]["recalled_at"].as_i64().unwrap() >= time, "{filter}");
    }
    assert_eq!(app.search(json!({"recalled": true, "q": "opening"})).await["posts"], json!([]));

    // Again: nothing changes, no second audit entry. An unknown post is not found.
    assert_eq!(recall(id).await.status, StatusCode::OK);
    let recalls: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'post_recalled'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(recalls, 1);
    let missing = recall(id + 100).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(app.search(json!({})).await["posts"].as_array().unwrap().len(), 1, "the other post is untouched");
}}

on_both! { async fn no_route_changes_a_published_post(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for function in ["update_post", "edit_post", "delete_post", "modify_post"] {
        let reply = app.call_json(function, json!({"id": 1})).await;
        assert!(reply.status.is_client_error(), "{function}: {}", reply.status);
    }
}}

/// On SQLite a publish adds its post to the search indexes as a new small segment, and the
/// server merges segments from a background task instead of inside whichever commit
/// crossed FTS5's threshold. Each new post is found at once; merging loses nothing.
#[tokio::test]
async fn sqlite_search_segments_are_merged_in_the_background_and_posts_stay_found() {
    let db = crate::common::TestDb::sqlite().await;
    let storage::Engine::Sqlite(store) = db.engine.clone() else { unreachable!() };
    let app = TestApp::new(db).await;
    let segments = |index: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(DISTINCT segid) FROM {index}_idx"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let channel = app.channel("Segments").await;
    for i in 0..40 {
        app.text_post(channel, &format!("segment post {i} 날씨 harbor")).await;
        // Searchable the moment its publish is answered, merged or not.
        assert_eq!(app.found(&format!("segment post {i} ")).await.len(), 1, "post {i}");
    }
    // No merging happened in the commits: one segment per publish (and the channel's).
    let before = (segments("posts_trigram").await, segments("posts_words").await);
    assert!(before.0 >= 40 && before.1 >= 40, "{before:?}");

    let mut slices = 0;
    while store.merge_search_once().await.unwrap() {
        slices += 1;
        assert!(slices < 1000, "the merger never runs out of work");
    }
    let after = (segments("posts_trigram").await, segments("posts_words").await);
    assert!(after.0 < 10 && after.1 < 10, "{before:?} -> {after:?}");
    assert_eq!(app.found("harbor").await.len(), 20, "a page of the 40");
    assert_eq!(app.found("날씨").await.len(), 20);
    for i in [0, 17, 39] {
        assert_eq!(app.found(&format!("segment post {i} ")).await, vec![format!("segment post {i} 날씨 harbor")]);
    }
}

// Many publishes at once (on SQLite, whoever has the turn to write commits every publish
// queued by then together): each is answered with its own post, a retried request id gets
// the first one's key, a post for a missing channel is refused alone, and every stored
// post has its audit entry and is found.
on_both! { async fn concurrent_publishes_are_each_answered_and_stored_once(pool: TestDb) {
    use app::domain::{PostDraft, PostType};
    use storage::messages::MessageMeta;
    let app = TestApp::new(pool).await;
    let channel = app.channel("Crowd").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..60i64 {
        let db = app.storage.db.clone();
        tasks.spawn(async move {
            let channel_id = if i == 13 { channel + 1000 } else { channel };
            let draft = PostDraft {
                channel_id: Some(channel_id),
                kind: PostType::TextOnly,
                text: format!("crowd post {}", i % 50),
                images: vec![],
                links: vec![],
            };
            // 50..59 retry the request ids of 0..9.
            let request_id = format!("crowd-{}", i % 50);
            let meta = MessageMeta { random: i, cloud_custom_data: String::new() };
            (i, db.publish(&draft.validate().unwrap(), &request_id, &meta, &storage::Actor::ServerCommand).await)
        });
    }
    let mut keys = std::collections::HashMap::new();
    while let Some(done) = tasks.join_next().await {
        let (i, result) = done.unwrap();
        if i == 13 {
            assert!(matches!(result, Err(storage::StoreError::NotFound(storage::Missing::Channel))), "{result:?}");
            continue;
        }
        let published = result.unwrap();
        let post = published.post.expect("the post");
        assert_eq!(post.text, format!("crowd post {}", i % 50));
        assert_eq!(post.id, published.key.post_id);
        if let Some(first) = keys.insert(i % 50, published.key) {
            assert_eq!(first, published.key, "a retry is answered with the first post's key");
        }
    }
    assert_eq!(keys.len(), 49);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE text LIKE 'crowd post %'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 49);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'post_published'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 49);
    for n in [0, 9, 12, 14, 49] {
        assert_eq!(app.found(&format!("crowd post {n}")).await, vec![format!("crowd post {n}")]);
    }
    assert!(app.found("crowd post 13").await.is_empty());
}}

// A short and a long term together ("서울 harbor"): SQLite reads the long term's matches in
// runs of growing size and asks the word index only within each run. Matches spread over
// many runs are all found, newest first; the next page goes on across runs; a 2-character
// Korean term alone finds the same posts (it is looked up as a whole token there).
on_both! { async fn short_and_long_terms_find_matches_spread_over_many_posts(pool: TestDb) {
    use app::domain::{PostDraft, PostType};
    let app = TestApp::new(pool).await;
    let channel = app.channel("Runs").await;
    let rows: Vec<_> = (0..1500i64)
        .map(|i| {
            let text = if i % 60 == 0 { format!("harbor 서울 spread {i}") } else { format!("harbor only {i} 부산시청") };
            let draft = PostDraft { channel_id: Some(channel), kind: PostType::TextOnly, text, images: vec![], links: vec![] };
            (draft.validate().unwrap(), format!("runs-{i}"), 1_700_000_000 + i)
        })
        .collect();
    app.storage.db.import_posts(&rows).await.unwrap();
    let expected: Vec<String> = (0..1500).rev().filter(|i| i % 60 == 0).map(|i| format!("harbor 서울 spread {i}")).collect();
    assert_eq!(expected.len(), 25);

    let first = app.search(json!({ "q": "서울 harbor" })).await;
    let texts = |page: &Value| -> Vec<String> {
        page["posts"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(texts(&first), expected[..20]);
    let before = first["next_before"].as_i64().expect("a second page");
    let second = app.search(json!({ "q": "서울 harbor", "before": before })).await;
    assert_eq!(texts(&second), expected[20..]);
    assert!(second["next_before"].is_null());
    // Alone, a 2-character Korean term is a whole token of the word index, and finds the
    // word inside a longer run ("부산시청") too.
    assert_eq!(app.found("서울").await, expected[..20]);
    assert_eq!(app.found("시청").await.len(), 20);
    assert_eq!(app.found("spread 서울").await, expected[..20]);
    assert!(app.found("서울 xylophone").await.is_empty());
}}

/// SQLite: under publishes from 8 tasks and searches beside them, the checkpointer keeps
/// the WAL short. A passive checkpoint alone never rewound it (a writer starts again at the
/// WAL's beginning only if no reader is in it at that moment): it grew past the 10,000-page
/// safety net (40 MB, 92 MB seen), and the commit that crossed it copied it all.
#[tokio::test]
async fn sqlite_checkpointer_keeps_the_wal_short_under_load() {
    use app::domain::{PostDraft, PostType};
    use storage::messages::MessageMeta;
    let db = crate::common::TestDb::sqlite().await;
    let storage::Engine::Sqlite(store) = db.engine.clone() else { unreachable!() };
    let wal = db.data_dir.join("console.db-wal");
    let app = TestApp::new(db).await;
    store.spawn_checkpointer();
    let channel = app.channel("WAL").await;
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    const POSTS: usize = 4_000;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (db, next) = (app.storage.db.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= POSTS {
                    return;
                }
                let text = format!("wal post {i} harbor 날씨 market weather");
                let draft = PostDraft {
                    channel_id: Some(channel),
                    kind: PostType::TextOnly,
                    text,
                    images: vec![],
                    links: vec![],
                };
                let meta = MessageMeta::default();
                db.publish(&draft.validate().unwrap(), &format!("wal-{i}"), &meta, &storage::Actor::ServerCommand)
                    .await
                    .unwrap();
            }
        });
    }
    for q in ["harbor", "날씨"] {
        let (db, next) = (app.storage.db.clone(), next.clone());
        let filter = app::domain::PostFilter { q: q.into(), ..Default::default() }.validate().unwrap();
        tasks.spawn(async move {
            while next.load(std::sync::atomic::Ordering::Relaxed) < POSTS {
                db.list_posts(&filter).await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let bytes = std::fs::metadata(&wal).unwrap().len();
    assert!(bytes < 16 << 20, "the WAL grew to {} MiB", bytes >> 20);
    assert_eq!(app.found("wal post 3999 ").await.len(), 1);
}
