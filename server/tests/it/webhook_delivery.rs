//! Webhook delivery by the real server: events committed before a SIGKILL are delivered
//! after the restart (the receiver was down meanwhile), and two servers on one PostgreSQL
//! database deliver each of many events exactly once between them.

use crate::common::on_both;
use crate::common::process::Server;
use crate::common::receiver::Receiver;
use crate::common::TestDb;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PASSWORD: &str = "webhook test admin password";
const ENV: [(&str, &str); 2] = [("CONSOLE_ADMIN_PASSWORD", PASSWORD), ("CONSOLE_WEBHOOK_ALLOW_PRIVATE", "true")];

struct Console {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Console {
    async fn sign_in(server: &Server) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
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

    async fn json(&self, function: &str, body: Value) -> Value {
        let reply = self
            .http
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, &self.cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        reply.json().await.unwrap()
    }

    async fn channel(&self, name: &str) -> i64 {
        let png = crate::common::png(8, 8, 9);
        let uploaded: Value = self
            .http
            .post(format!("{}/media", self.base))
            .header(COOKIE, &self.cookie)
            .body(png)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let photo = uploaded["id"].as_str().unwrap();
        let reply = self
            .http
            .post(format!("{}/api/create_channel", self.base))
            .header(COOKIE, &self.cookie)
            .form(&[("name", name), ("profile", ""), ("photo", photo)])
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        reply.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn publish(&self, channel: i64, text: &str) {
        let draft = json!({"channel_id": channel, "kind": "TextOnly", "text": text, "images": [], "links": []});
        self.json("publish_post", json!({"draft": draft, "request_id": text})).await;
    }
}

/// Waits until the receiver has heard of `n` events (by webhook-id); returns how many times
/// each was delivered.
async fn heard(receiver: &Receiver, n: usize, within: Duration) -> HashMap<String, usize> {
    let deadline = Instant::now() + within;
    loop {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for hit in receiver.hits() {
            *counts.entry(hit.header("webhook-id")).or_default() += 1;
        }
        if counts.len() >= n || Instant::now() > deadline {
            return counts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

on_both! { async fn events_committed_before_a_kill_are_delivered_after_the_restart(db: TestDb) {
    // The app's receiver is down at first: nothing listens on its port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/im/callback");
    let mut server = Server::start_with(&db, "a", &ENV);
    let console = Console::sign_in(&server).await;
    let form = json!({"url": url, "token": "", "callbacks": ["AfterSendMsg"], "when_unreachable": "Allow"});
    console.json("save_webhook", json!({"form": form})).await;
    let channel = console.channel("Killed").await;
    for n in 0..20 {
        console.publish(channel, &format!("post-{n}")).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let receiver = Receiver::start_on(port).await;
    let _server = Server::start_with(&db, "a", &ENV);
    // Retried at about 1 s, 5 s, 30 s after each failure: all are due within a minute.
    let counts = heard(&receiver, 20, Duration::from_secs(90)).await;
    assert_eq!(counts.len(), 20, "{counts:?}");
    let texts: std::collections::HashSet<String> = receiver
        .hits()
        .iter()
        .map(|h| h.json()["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts.len(), 20);
}}

#[tokio::test]
async fn two_servers_deliver_each_event_once() {
    let db = TestDb::postgres().await;
    let receiver = Receiver::start().await;
    let (a, b) = (Server::start_with(&db, "a", &ENV), Server::start_with(&db, "b", &ENV));
    let (on_a, on_b) = (Console::sign_in(&a).await, Console::sign_in(&b).await);
    let form = json!({"url": receiver.url, "token": "t", "callbacks": ["AfterSendMsg"], "when_unreachable": "Allow"});
    on_a.json("save_webhook", json!({"form": form})).await;
    let channel = on_a.channel("Raced").await;
    // 400 events committed on both servers at once: both deliverers race for every one.
    let mut tasks = Vec::new();
    for (k, console) in [on_a, on_b].into_iter().enumerate() {
        let console = std::sync::Arc::new(console);
        for worker in 0..4 {
            let console = console.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..50 {
                    console.publish(channel, &format!("s{k}-w{worker}-{n}")).await;
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let counts = heard(&receiver, 400, Duration::from_secs(60)).await;
    assert_eq!(counts.len(), 400);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    // Give a late duplicate the chance to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.hits().len(), 400);
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE delivery <> 'delivered' AND delivery <> 'none'")
            .fetch_one(&db.any)
            .await
            .unwrap();
    assert_eq!(pending, 0);
}
