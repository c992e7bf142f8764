//! `scripts/bench streams`' load: N app users, subscribed to one channel, each hold a
//! subscribers' stream (`GET /subscriber/v1/events`) to a running server; then posts are
//! published through the REST API one a second, and each stream notes when each arrives.
//! Prints the server's memory per idle stream and the publish-to-receipt latencies.
//!
//! `sse_load BASE APPID KEY CHANNEL USERS POSTS SERVER_PID` (users are `user_0`...; they
//! must subscribe to CHANNEL already). Connections come from 127.0.0.2 and up, 1,000 an
//! address, so that ephemeral ports last. Not a test: figures only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize]
}

/// One stream: connects, says when the stream opened, then notes each post's arrival.
async fn stream(
    server: SocketAddr,
    from: IpAddr,
    path: String,
    opened: Arc<Semaphore>,
    posts: usize,
    origin: Instant,
) -> Vec<(usize, f64)> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let mut tcp = match socket.connect(server).await {
        Ok(tcp) => tcp,
        Err(e) => {
            eprintln!("connect: {e}");
            opened.add_permits(1);
            return vec![];
        }
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {server}\r\nAccept: text/event-stream\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = Vec::new();
    let mut chunk = vec![0u8; 4096];
    let mut told = false;
    let mut got = Vec::new();
    while got.len() < posts {
        let n = match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let at = origin.elapsed().as_secs_f64() * 1000.0;
        buffer.extend_from_slice(&chunk[..n]);
        if !told && buffer.windows(6).any(|w| w == b"retry:") {
            told = true;
            opened.add_permits(1);
        }
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = buffer.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&frame);
            if let Some(index) = text.split("post #").nth(1).and_then(|rest| rest.split('"').next()) {
                if let Ok(index) = index.parse() {
                    got.push((index, at));
                }
            }
        }
    }
    if !told {
        opened.add_permits(1);
    }
    got
}

/// Sends a REST call on a connection of its own; returns when it is answered.
async fn rest(server: SocketAddr, path: &str, body: &str) -> String {
    let mut tcp = TcpStream::connect(server).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, appid, key, channel, users, posts, pid] = args.as_slice() else {
        panic!("usage: sse_load BASE APPID KEY CHANNEL USERS POSTS SERVER_PID");
    };
    let server: SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let appid: i64 = appid.parse().unwrap();
    let (users, posts, pid): (usize, usize, u32) =
        (users.parse().unwrap(), posts.parse().unwrap(), pid.parse().unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let before = rss_kib(pid);
    let origin = Instant::now();
    let opened = Arc::new(Semaphore::new(0));
    let mut tasks = Vec::with_capacity(users);
    for i in 0..users {
        let user = format!("user_{i}");
        let sig = server::rest::usersig::generate(appid, key, &user, 86400, now);
        let path = format!("/subscriber/v1/events?sdkappid={appid}&identifier={user}&usersig={sig}");
        let from = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (i / 1000) as u8));
        tasks.push(tokio::spawn(stream(server, from, path, opened.clone(), posts, origin)));
        if i % 500 == 499 {
            // Opening is a write each (the five-streams rule): let them land.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let _ = opened.acquire_many(users as u32).await.unwrap();
    let connect_secs = origin.elapsed().as_secs_f64();
    // Idle past jemalloc's 10 s decay, so that what opening the streams allocated and freed
    // is given back and only what the streams hold is counted.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let idle = rss_kib(pid);
    println!("| streams open | {users} (in {connect_secs:.1} s) |");
    println!(
        "| server memory | {} MiB before, {} MiB with the streams idle: {:.1} KiB per stream |",
        before / 1024,
        idle / 1024,
        (idle.saturating_sub(before)) as f64 / users as f64
    );
    let query = {
        let sig = server::rest::usersig::generate(appid, key, "bench_admin", 86400, now);
        format!("sdkappid={appid}&identifier=bench_admin&usersig={sig}&random=1&contenttype=json")
    };
    let mut sent = Vec::with_capacity(posts);
    for n in 0..posts {
        let body = serde_json::json!({
            "Official_Account": channel,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": format!("post #{n}")}}],
        });
        let at = origin.elapsed().as_secs_f64() * 1000.0;
        let answer = rest(
            server,
            &format!("/v4/official_account_open_http_svc/send_official_account_msg?{query}"),
            &body.to_string(),
        )
        .await;
        assert!(answer.contains("\"ActionStatus\":\"OK\""), "{answer}");
        sent.push(at);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let peak = rss_kib(pid);
    let mut delays = Vec::with_capacity(users * posts);
    let mut missing = 0;
    for task in tasks {
        let got =
            tokio::time::timeout(Duration::from_secs(30), task).await.ok().and_then(|r| r.ok()).unwrap_or_default();
        missing += posts.saturating_sub(got.len());
        delays.extend(got.into_iter().map(|(n, at)| at - sent[n]));
    }
    delays.sort_by(|a, b| a.total_cmp(b));
    println!("| posts received | {} of {} ({missing} missing) |", delays.len(), users * posts);
    println!(
        "| publish call to receipt | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms |",
        percentile(&delays, 50.0),
        percentile(&delays, 99.0),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    println!("| server memory while sending | {} MiB |", peak / 1024);
}
