//! Connection limits, against the real binary over real sockets: clients that open
//! connections and never finish a request are cut off after the header timeout; past the
//! connection cap, new connections are answered 503 at once instead of waiting; a stalled
//! upload is closed after the idle timeout; and the server goes on serving throughout.

use crate::common::process::Server;
use crate::common::TestDb;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the peer closes (or `limit` passes): what it sent, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let deadline = Instant::now() + limit;
    loop {
        let mut buf = [0u8; 1024];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn slow_and_surplus_connections_are_shed() {
    let db = TestDb::sqlite().await;
    let server = Server::start_with(
        &db,
        "limits",
        &[("CONSOLE_HEADER_TIMEOUT_SECS", "2"), ("CONSOLE_IDLE_TIMEOUT_SECS", "3"), ("CONSOLE_MAX_CONNECTIONS", "20")],
    );
    let client = reqwest::Client::new();
    server.wait_until_ready(&client).await;
    let addr = format!("127.0.0.1:{}", server.port());
    // Give the readiness check's kept-alive connection back.
    drop(client);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 20 clients that send the start of a request and nothing more.
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: console\r\n").await.unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The 21st is told at once that the server is busy, and closed.
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let (answer, closed) = read_until_closed(&mut extra, Duration::from_secs(1)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "over the cap: {answer:?}");
    assert!(answer.contains("Retry-After: 1"), "{answer:?}");
    assert!(closed, "the surplus connection is closed");

    // The slow ones are cut off after the header timeout (2 s), not held.
    for stream in &mut slow {
        let (_, closed) = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(closed, "a request whose headers never end is dropped");
    }
    // Never before the timeout (how long after it depends on the machine's load: the
    // 5-second reads above are the bound).
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1800), "not before the timeout: {waited:?}");
    drop(slow);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // With the slow ones gone, the server answers again.
    let reply = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(reply.status(), 200);

    // An upload that stops half-way is closed after the idle timeout (3 s).
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"POST /api/sign_in HTTP/1.1\r\nHost: console\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\noperator=a")
        .await
        .unwrap();
    let since = Instant::now();
    let (_, closed) = read_until_closed(&mut stalled, Duration::from_secs(8)).await;
    assert!(closed, "a stalled body is dropped");
    assert!(since.elapsed() >= Duration::from_millis(1500), "{:?}", since.elapsed());

    // A kept-alive connection serves several requests, then is closed when it idles.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    for _ in 0..3 {
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: console\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = kept.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }
    let (_, closed) = read_until_closed(&mut kept, Duration::from_secs(6)).await;
    assert!(closed, "an idle kept-alive connection is closed");

    // Oversized headers are answered 431, and the server goes on. A little over the server's
    // 32 KiB, sent at once: the server reads all of it before it answers and closes (had
    // bytes been left unread, closing would reset the connection and lose the answer).
    let mut big = TcpStream::connect(&addr).await.unwrap();
    let header = format!("GET /healthz HTTP/1.1\r\nHost: console\r\nX-Big: {}\r\n\r\n", "a".repeat(36 * 1024));
    big.write_all(header.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut big, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    assert!(closed, "the connection is closed after the 431");
    assert_eq!(reqwest::get(server.url("/healthz")).await.unwrap().status(), 200);

    assert!(!server.output().contains("panicked"), "{}", server.output());
    assert!(!server.output().contains("ERROR"), "{}", server.output());
}
