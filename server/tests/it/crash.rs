//! The real server killed with SIGKILL while publishes (some with images and links) and
//! channel creations with photos are in flight, then started again on the same database and
//! media store, several rounds: every request answered with success is there whole (post,
//! images, links, search entry); nothing half-written is listed or served; retrying an
//! unanswered publish with its request id makes exactly one post.

use crate::common::on_both;
use crate::common::process::Server;
use crate::common::TestDb;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const PASSWORD: &str = "crash test admin password";

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    async fn sign_in(server: &Server) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        server.wait_until_ready(&http).await;
        let reply = http
            .post(server.url("/api/sign_in"))
            .form(&[("operator", "admin"), ("password", PASSWORD), ("next", "/channels")])
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "{}", server.output());
        let cookie = reply.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
        Self { http, base: server.base.clone(), cookie }
    }

    async fn json(&self, function: &str, body: Value) -> Result<Value, String> {
        let reply = self
            .http
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, &self.cookie)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let text = reply.text().await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    async fn form(&self, function: &str, form: &[(&str, &str)]) -> Result<Value, String> {
        let reply = self
            .http
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let text = reply.text().await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    async fn upload(&self, png: Vec<u8>) -> Result<String, String> {
        let reply = self
            .http
            .post(format!("{}/media", self.base))
            .header(COOKIE, &self.cookie)
            .body(png)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if reply.status() != 201 {
            return Err(reply.status().to_string());
        }
        let body: Value = reply.json().await.map_err(|e| e.to_string())?;
        Ok(body["id"].as_str().unwrap_or_default().to_owned())
    }

    /// The image's bytes as served, or the status.
    async fn image(&self, id: &str) -> Result<Vec<u8>, u16> {
        let reply =
            self.http.get(format!("{}/media/{id}", self.base)).header(COOKIE, &self.cookie).send().await.unwrap();
        match reply.status().as_u16() {
            200 => Ok(reply.bytes().await.unwrap().to_vec()),
            status => Err(status),
        }
    }

    async fn search(&self, q: &str) -> Vec<Value> {
        let page = self.json("list_posts", json!({"filter": {"q": q}})).await.unwrap();
        page["posts"].as_array().unwrap().clone()
    }
}

/// What one publish asks for; the token makes it findable by search.
#[derive(Clone)]
struct Publish {
    request_id: String,
    token: String,
    png: Option<Vec<u8>>,
    link: bool,
}

fn publish_body(channel: i64, p: &Publish, image: Option<&str>) -> Value {
    let images: Vec<Value> = image.iter().map(|id| json!({"media": id, "alt": "photo"})).collect();
    let links: Vec<Value> =
        if p.link { vec![json!({"label": "More", "url": format!("https://example.com/{}", p.token)})] } else { vec![] };
    json!({
        "request_id": p.request_id,
        "draft": {
            "channel_id": channel,
            "kind": if image.is_some() { "ImageAndText" } else { "TextOnly" },
            "text": format!("crash round {} post", p.token),
            "images": images,
            "links": links,
        }
    })
}

/// Uploads the image (if any) and publishes; Ok(post) only when the server said so.
async fn publish(client: &Client, channel: i64, p: &Publish) -> Result<Value, String> {
    let image = match &p.png {
        Some(png) => Some(client.upload(png.clone()).await?),
        None => None,
    };
    client.json("publish_post", publish_body(channel, p, image.as_deref())).await
}

/// The post as stored is the post as asked for, and everything it refers to is served.
async fn assert_whole(client: &Client, post: &Value, p: &Publish) {
    assert_eq!(post["text"], format!("crash round {} post", p.token));
    let images = post["images"].as_array().unwrap();
    assert_eq!(images.len(), usize::from(p.png.is_some()), "{post}");
    if let (Some(image), Some(png)) = (images.first(), &p.png) {
        let id = image["media"].as_str().unwrap();
        assert_eq!(client.image(id).await.as_deref(), Ok(png.as_slice()), "image of {post}");
    }
    assert_eq!(post["links"].as_array().unwrap().len(), usize::from(p.link), "{post}");
}

on_both! { async fn a_killed_server_loses_nothing_it_answered(db: TestDb) {
    crash_rounds(db).await;
}}

async fn crash_rounds(db: TestDb) {
    let env = [("CONSOLE_ADMIN_PASSWORD", PASSWORD)];
    let mut server = Server::start_with(&db, "crash", &env);
    let client = Client::sign_in(&server).await;
    let photo = client.upload(crate::common::png(16, 16, 1)).await.unwrap();
    let channel = client.form("create_channel", &[("name", "Crash news"), ("profile", ""), ("photo", &photo)]).await;
    let channel = channel.unwrap()["id"].as_i64().unwrap();

    let mut answered_channels: Vec<(String, Vec<u8>)> = Vec::new();
    let mut rounds_in_flight = 0;
    for round in 0..3u8 {
        let publishes: Vec<Publish> = (0..100u8)
            .map(|i| Publish {
                request_id: format!("crash-{round}-{i}"),
                token: format!("zq{round}q{i}qz"),
                png: (i % 4 == 0).then(|| crate::common::png(24, 24, round.wrapping_mul(100).wrapping_add(i))),
                link: i % 3 == 0,
            })
            .collect();
        let client = std::sync::Arc::new(Client::sign_in(&server).await);
        let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for p in publishes.clone() {
            let (client, done) = (client.clone(), done.clone());
            tasks.push(tokio::spawn(async move {
                let result = publish(&client, channel, &p).await;
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (p.clone(), result)
            }));
        }
        // Channels with photos at the same time.
        let mut channel_tasks = Vec::new();
        for i in 0..10u8 {
            let client = client.clone();
            channel_tasks.push(tokio::spawn(async move {
                let png = crate::common::png(20, 20, 200u8.wrapping_add(round * 10 + i));
                let name = format!("Crash channel {round}-{i}");
                let made = match client.upload(png.clone()).await {
                    Ok(photo) => {
                        client.form("create_channel", &[("name", &name), ("profile", ""), ("photo", &photo)]).await
                    }
                    Err(e) => Err(e),
                };
                (name, png, made)
            }));
        }
        // Kill it while they are in flight: once some have been answered (10, 30, 50), not
        // after a fixed time, which a faster server outran.
        let enough = 10 + 20 * usize::from(round);
        let waiting = std::time::Instant::now();
        while done.load(std::sync::atomic::Ordering::SeqCst) < enough && waiting.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();

        let mut answered: HashMap<String, (Publish, Value)> = HashMap::new();
        let mut unanswered: Vec<Publish> = Vec::new();
        for task in tasks {
            let (p, result) = task.await.unwrap();
            match result {
                Ok(post) => {
                    answered.insert(p.request_id.clone(), (p, post));
                }
                Err(_) => unanswered.push(p),
            }
        }
        for task in channel_tasks {
            let (name, png, made) = task.await.unwrap();
            if made.is_ok() {
                answered_channels.push((name, png));
            }
        }
        rounds_in_flight += usize::from(!unanswered.is_empty());

        server = Server::start_with(&db, "crash", &env);
        let client = Client::sign_in(&server).await;

        // Every answered publish is there whole, found by search.
        for (p, post) in answered.values() {
            let found = client.search(&p.token).await;
            assert_eq!(found.len(), 1, "round {round}: {} found {} times", p.token, found.len());
            assert_eq!(found[0]["id"], post["id"]);
            assert_whole(&client, &found[0], p).await;
        }
        // An unanswered one is there whole or not at all; retried, it is there exactly once.
        for p in &unanswered {
            let before = client.search(&p.token).await;
            assert!(before.len() <= 1, "{}: {before:?}", p.token);
            if let Some(post) = before.first() {
                assert_whole(&client, post, p).await;
            }
            let retried = publish(&client, channel, p).await.unwrap();
            if let Some(post) = before.first() {
                assert_eq!(retried["id"], post["id"], "a retry answers with the first post");
            }
            let after = client.search(&p.token).await;
            assert_eq!(after.len(), 1, "{}: {after:?}", p.token);
            assert_whole(&client, &after[0], p).await;
        }
        // Every channel answered is there with its photo; every channel listed has its photo.
        let page = client.form("list_channels", &[("page", "1")]).await.unwrap();
        let listed = page["channels"].as_array().unwrap();
        for (name, png) in &answered_channels {
            let channel = listed.iter().find(|c| c["name"] == name.as_str());
            let channel = channel.unwrap_or_else(|| panic!("{name} is missing after the crash"));
            assert_eq!(client.image(channel["photo"].as_str().unwrap()).await.as_deref(), Ok(png.as_slice()));
        }
        for channel in listed {
            let photo = channel["photo"].as_str().unwrap();
            assert!(client.image(photo).await.is_ok(), "{channel}: its photo is not served");
        }
    }
    assert!(rounds_in_flight > 0, "every kill came after every publish: nothing was ever in flight");
    assert!(!server.output().contains("panicked"), "{}", server.output());
}
