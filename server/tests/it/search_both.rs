//! Search finds the same posts in the same order on SQLite and on PostgreSQL: a random
//! mixed-language corpus (English words, Korean and Chinese text, link labels) stored the
//! same way on both engines, then the same queries with the channel, type and date filters,
//! page after page.

use crate::common::TestDb;
use app::domain::post::PostFilter;
use app::domain::{AccountFields, ChannelFields, MediaId, PostDraft, PostImage, PostLink, PostType};
use std::sync::Arc;
use storage::media::StoredMedia;
use storage::{Actor, Database};

const ENGLISH: &[&str] = &[
    "market",
    "weather",
    "harbor",
    "Harbour",
    "festival",
    "rocket",
    "garden",
    "bridge",
    "library",
    "AI",
    "ai",
    "Seoul",
    "ferry",
    "news",
    "newsletter",
    "update",
    "up",
    "at",
    "market-day",
];
const KOREAN: &[&str] =
    &["서울", "서울역", "날씨", "뉴스", "뉴스입니다", "오늘", "박물관", "부산", "축제", "한", "서", "경제"];
const CHINESE: &[&str] = &["新闻", "天气", "北京", "经济", "新闻联播", "天", "港口"];
const LABELS: &[&str] = &["Read more", "자세히 보기", "地图", "Tickets"];

/// A small deterministic generator, so that both engines get the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const DAY: i64 = 86_400;
const START: i64 = 1_790_000_000 - 1_790_000_000 % DAY;

async fn fill(db: &Arc<dyn Database>, seed: u64) -> Vec<i64> {
    let by = Actor::ServerCommand;
    let mut channels = Vec::new();
    for name in ["News 뉴스", "Harbor 港口", "Culture", "Weather 날씨"] {
        let fields = ChannelFields::parse_without_photo(name, "").unwrap();
        channels.push(db.create_channel(&fields, None, &AccountFields::default(), &by).await.unwrap().id);
    }
    let image = StoredMedia {
        id: MediaId::parse(app::domain::Field::PostImages, &"ab".repeat(32)).unwrap(),
        content_type: "image/png",
        bytes: 1,
        width: Some(1),
        height: Some(1),
    };
    db.finish_media(&image).await.unwrap();
    let mut rng = Rng(seed);
    let mut posts = Vec::new();
    for n in 0..700 {
        let words: Vec<&str> = (0..3 + rng.below(10))
            .map(|_| match rng.below(10) {
                0..=3 => rng.pick(ENGLISH),
                4..=6 => rng.pick(KOREAN),
                _ => rng.pick(CHINESE),
            })
            .collect();
        // Some words run together, as Korean and Chinese are written.
        let text = words.iter().enumerate().fold(String::new(), |mut text, (i, w)| {
            if i > 0 && rng.below(3) != 0 {
                text.push(if rng.below(8) == 0 { ',' } else { ' ' });
            }
            text.push_str(w);
            text
        });
        let links = (0..rng.below(3))
            .map(|i| PostLink { label: rng.pick(LABELS).to_owned(), url: format!("https://example.com/{n}/{i}") })
            .collect();
        let with_image = rng.below(3) == 0;
        let draft = PostDraft {
            channel_id: Some(channels[rng.below(channels.len())]),
            kind: if with_image { PostType::ImageAndText } else { PostType::TextOnly },
            text,
            images: if with_image {
                vec![PostImage { media: image.id.to_string(), alt: String::new() }]
            } else {
                vec![]
            },
            links,
        };
        posts.push((draft.validate().unwrap(), format!("corpus-{n}"), START + n * 7 * 3600));
    }
    for batch in posts.chunks(250) {
        db.import_posts(batch).await.unwrap();
    }
    channels
}

/// Every page of a query, as the "Load more" button reads them.
async fn all_pages(db: &Arc<dyn Database>, mut filter: PostFilter) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let page = db.list_posts(&filter.validate().unwrap()).await.unwrap();
        ids.extend(page.posts.iter().map(|p| p.id));
        match page.next_before {
            Some(before) => filter.before = Some(before),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn both_engines_find_the_same_posts_in_the_same_order() {
    let (sqlite, postgres) = (TestDb::sqlite().await, TestDb::postgres().await);
    // A window of 40 posts: page after page, searches on PostgreSQL go through the recent
    // window, the index and the reading of older posts.
    let postgres: Arc<dyn Database> = match &postgres.engine {
        storage::Engine::Postgres(store) => Arc::new(store.clone().with_search_shape(40, &[2, 4, 6])),
        storage::Engine::Sqlite(_) => unreachable!("TestDb::postgres is PostgreSQL"),
    };
    let sqlite = sqlite.engine.database();
    let channels = fill(&sqlite, 0x5EED).await;
    assert_eq!(fill(&postgres, 0x5EED).await, channels, "the same channel ids");

    let day = |n: i64| {
        let (y, m, d) = app::domain::dates::civil_from_days((START + n * DAY) / DAY);
        format!("{y:04}-{m:02}-{d:02}")
    };
    let queries = [
        "market",
        "MARKET",
        "arke",
        "harbo",
        "harbour",
        "Seoul",
        "ai",
        "up",
        "at",
        "news",
        "newsletter",
        "ket-d",
        "서울",
        "서울역",
        "울역",
        "날씨",
        "뉴스입",
        "박물관",
        "한",
        "서",
        "오늘 뉴스",
        "新闻",
        "天气",
        "天",
        "联播",
        "北京 market",
        "서울 harbor",
        "뉴스 新闻 news",
        "자세히",
        "Tickets",
        "地图",
        "nothing-matches-this",
        "",
    ];
    let mut compared = 0;
    let mut non_empty = 0;
    for q in queries {
        let filters = [
            PostFilter { q: q.to_owned(), ..Default::default() },
            PostFilter { q: q.to_owned(), channel_id: Some(channels[1]), ..Default::default() },
            PostFilter { q: q.to_owned(), kind: Some(PostType::ImageAndText), ..Default::default() },
            PostFilter { q: q.to_owned(), from: Some(day(20)), to: Some(day(90)), ..Default::default() },
            PostFilter {
                q: q.to_owned(),
                channel_id: Some(channels[0]),
                kind: Some(PostType::TextOnly),
                from: Some(day(5)),
                ..Default::default()
            },
        ];
        for filter in filters {
            let on_sqlite = all_pages(&sqlite, filter.clone()).await;
            let on_postgres = all_pages(&postgres, filter.clone()).await;
            assert_eq!(on_sqlite, on_postgres, "{filter:?}");
            compared += 1;
            non_empty += usize::from(!on_sqlite.is_empty());
        }
    }
    assert!(non_empty > compared / 2, "most queries find something: {non_empty} of {compared}");
}
