//! Fills a data directory with channels and posts for benchmarks: `seed --data-dir DIR
//! --posts N [--channels N] [--database-url URL]` (SQLite in DIR unless a URL is given). Posts go through the same validation and store functions as
//! the console's, in transactions of 10,000.

use app::domain::{AccountFields, ChannelFields, PostDraft, PostType};
use storage::media::MediaStore;
use storage::{Actor, Engine, Storage};

const ENGLISH: &[&str] = &[
    "market", "weather", "release", "football", "election", "science", "music", "travel", "health", "school", "budget",
    "energy", "climate", "festival", "traffic", "museum", "rocket", "harbor", "garden", "winter", "summer", "island",
    "bridge", "library",
];
const KOREAN: &[&str] = &[
    "뉴스",
    "날씨",
    "경제",
    "축구",
    "선거",
    "과학",
    "음악",
    "여행",
    "건강",
    "학교",
    "예산",
    "에너지",
    "기후",
    "축제",
    "교통",
    "박물관",
    "오늘",
    "내일",
    "서울",
    "부산",
];

/// A small deterministic generator, so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

/// Fills a data directory with channels and posts, for benchmarks.
#[derive(clap::Parser)]
#[command(name = "seed")]
struct Args {
    /// The data directory (its SQLite database unless --database-url is given)
    #[arg(long, value_name = "DIR")]
    data_dir: std::path::PathBuf,
    /// How many posts to make
    #[arg(long, value_name = "N")]
    posts: u64,
    /// How many channels to spread them over
    #[arg(long, value_name = "N", default_value_t = 20)]
    channels: u64,
    /// The database [default: sqlite://<data-dir>/console.db]
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Args { data_dir, posts: total, channels: channel_count, database_url } = <Args as clap::Parser>::parse();
    std::fs::create_dir_all(&data_dir)?;
    let url = format!("sqlite://{}", data_dir.join("console.db").display());
    let url = database_url.unwrap_or(url);
    let engine = Engine::connect(&url).await?;
    // As the server does: on SQLite the search indexes are merged in the background.
    engine.start_background_tasks();
    let storage = Storage::new(engine.database(), MediaStore::local(&data_dir, 1024 * 1024).await?);

    // A 1x1 PNG as every channel's photo.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8,
        2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde, 0, 0, 0, 12, 0x49, 0x44, 0x41, 0x54, 8, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0, 0,
        3, 1, 1, 0, 0xc9, 0xfe, 0x92, 0xef, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let chunk: Result<bytes::Bytes, std::io::Error> = Ok(bytes::Bytes::from_static(PNG));
    let photo = storage.upload(futures_util::stream::iter([chunk])).await?;
    let mut channel_ids = vec![];
    for i in 0..channel_count {
        let fields = ChannelFields::parse(&format!("Seed channel {i} 채널"), "", photo.id.as_ref())?;
        let channel =
            storage.db.create_channel(&fields, None, &AccountFields::default(), &Actor::ServerCommand).await?;
        channel_ids.push(channel.id);
    }

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = std::time::Instant::now();
    let now = storage::clock::now();
    let mut done = 0u64;
    while done < total {
        let batch = (total - done).min(10_000);
        let mut rows = Vec::with_capacity(batch as usize);
        for i in 0..batch {
            let n = done + i;
            let words: Vec<&str> = (0..12)
                .map(|k| if (rng.next() + k).is_multiple_of(3) { rng.pick(KOREAN) } else { rng.pick(ENGLISH) })
                .collect();
            let draft = PostDraft {
                channel_id: Some(channel_ids[(n % channel_ids.len() as u64) as usize]),
                kind: PostType::TextOnly,
                text: format!("{} #{n}", words.join(" ")),
                images: vec![],
                links: vec![],
            };
            let created = now - (total - n) as i64;
            rows.push((draft.validate()?, format!("seed-{n}"), created));
        }
        storage.db.import_posts(&rows).await?;
        done += batch;
        eprint!("\rseeded {done} / {total} posts");
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!("\rseeded {total} posts in {secs:.1} s ({:.0} per second)", total as f64 / secs);
    // A database in service has had its search indexes merged by the server's background
    // merger long since; one seeded a moment ago has not, and the benchmark would measure the
    // merger catching up. Catch up here first.
    if let storage::Engine::Sqlite(store) = &engine {
        let start = std::time::Instant::now();
        let mut slices = 0u64;
        while store.merge_search_once().await? {
            slices += 1;
        }
        eprintln!("merged the search indexes in {:.1} s ({slices} slices)", start.elapsed().as_secs_f64());
    }
    Ok(())
}
