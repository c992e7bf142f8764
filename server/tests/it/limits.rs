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

/// A connection from `local` (a loopback address of the test's choice) to `addr`.
async fn connect_from(local: &str, addr: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn one_client_cannot_take_every_connection() {
    let db = TestDb::sqlite().await;
    let server = Server::start_with(
        &db,
        "per-client",
        &[("CONSOLE_HEADER_TIMEOUT_SECS", "30"), ("CONSOLE_MAX_CONNECTIONS_PER_CLIENT", "3")],
    );
    let client = reqwest::Client::new();
    server.wait_until_ready(&client).await;
    drop(client);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let addr = format!("127.0.0.1:{}", server.port());

    // Three connections from 127.0.0.2 that never finish a request: its cap.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect_from("127.0.0.2", &addr).await;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: console\r\n").await.unwrap();
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Its fourth is told at once that the server is busy.
    let mut fourth = connect_from("127.0.0.2", &addr).await;
    let (answer, closed) = read_until_closed(&mut fourth, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 503") && answer.contains("Retry-After: 1"), "{answer:?}");
    assert!(closed);
    // Another client still gets in.
    let mut other = connect_from("127.0.0.3", &addr).await;
    other.write_all(b"GET /healthz HTTP/1.1\r\nHost: console\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut other, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // Once one of its connections closes, the first client may open another.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = connect_from("127.0.0.2", &addr).await;
    again.write_all(b"GET /healthz HTTP/1.1\r\nHost: console\r\nConnection: close\r\n\r\n").await.unwrap();
    let (answer, _) = read_until_closed(&mut again, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(!server.output().contains("panicked"), "{}", server.output());
}

/// A body that arrives a piece every `every`, `pieces` times, then ends.
fn trickle(first: Vec<u8>, piece: Vec<u8>, every: Duration, pieces: usize) -> axum::body::Body {
    let stream = futures_util::stream::unfold((Some(first), 0usize), move |(first, sent)| {
        let piece = piece.clone();
        async move {
            if let Some(first) = first {
                return Some((Ok::<_, std::io::Error>(bytes::Bytes::from(first)), (None, sent)));
            }
            if sent >= pieces {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(bytes::Bytes::from(piece)), (None, sent + 1)))
        }
    });
    axum::body::Body::from_stream(stream)
}

/// Short limits for the tests: a whole body within a second; uploads at least 4 KiB a
/// second.
fn short_deadlines(app: &crate::common::TestApp) -> axum::Router {
    let network = server::router::Network {
        body_deadline: server::body_deadline::BodyDeadline {
            whole: Duration::from_secs(1),
            upload_window: Duration::from_secs(1),
            upload_min_bytes: 4096,
        },
        ..Default::default()
    };
    server::router::router_with(app.state.clone(), network)
}

async fn send(router: &axum::Router, request: axum::http::Request<axum::body::Body>) -> (u16, Option<String>) {
    // Never a wait without end, even were the body never cut off.
    let reply = tokio::time::timeout(Duration::from_secs(20), tower::ServiceExt::oneshot(router.clone(), request))
        .await
        .expect("an answer within 20 s")
        .unwrap();
    let connection = reply.headers().get("connection").map(|v| v.to_str().unwrap().to_owned());
    (reply.status().as_u16(), connection)
}

crate::common::on_both! { /// A body that trickles in (a byte every 200 ms, for ever) to the
/// public sign-in function is cut off at the deadline: 408, and the connection closed.
async fn a_trickling_body_is_cut_off_at_the_deadline(pool: TestDb) {
    let app = crate::common::TestApp::new(pool).await;
    let router = short_deadlines(&app);
    let started = Instant::now();
    let request = axum::http::Request::post("/api/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(trickle(b"operator=admin&next=%2F&password=".to_vec(), b"a".to_vec(), Duration::from_millis(200), usize::MAX))
        .unwrap();
    let (status, connection) = send(&router, request).await;
    let took = started.elapsed();
    assert_eq!(status, 408);
    assert_eq!(connection.as_deref(), Some("close"));
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "{took:?}");

    // A body that comes in time is read as ever.
    let request = axum::http::Request::post("/api/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(trickle(b"operator=nobody&next=%2F&password=x".to_vec(), b"x".to_vec(), Duration::from_millis(100), 3))
        .unwrap();
    assert_eq!(send(&router, request).await.0, 401);
}}

crate::common::on_both! { /// Uploads are measured by progress, not total time: one that keeps
/// coming outlasts the whole-body deadline and is stored; one that trickles is cut off.
async fn uploads_are_cut_off_only_when_they_stop_progressing(pool: TestDb) {
    let app = crate::common::TestApp::new(pool).await;
    let router = short_deadlines(&app);
    let cookie = app.cookie.clone().unwrap();
    // Noise does not compress: a PNG of some 100 KB, sent 8 KiB every 100 ms (about 1.3 s).
    let mut seed = 12_345u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    };
    let image = image::RgbImage::from_fn(200, 170, |_, _| image::Rgb([noise(), noise(), noise()]));
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let png = png.into_inner();
    let mut chunks: Vec<Vec<u8>> = png.chunks(8192).map(<[u8]>::to_vec).collect();
    let pieces = chunks.len() - 1;
    assert!(pieces >= 12, "long enough to outlast the whole-body deadline: {} bytes", png.len());
    let first = chunks.remove(0);
    let rest = std::sync::Arc::new(std::sync::Mutex::new(chunks.into_iter()));
    let stream = futures_util::stream::unfold((Some(first), rest), |(first, rest)| async move {
        if let Some(first) = first {
            return Some((Ok::<_, std::io::Error>(bytes::Bytes::from(first)), (None, rest)));
        }
        let next = rest.lock().unwrap().next()?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok(bytes::Bytes::from(next)), (None, rest)))
    });
    let started = Instant::now();
    let request = axum::http::Request::post("/media")
        .header("cookie", &cookie)
        .body(axum::body::Body::from_stream(stream))
        .unwrap();
    let (status, _) = send(&router, request).await;
    assert_eq!(status, 201, "a steady upload is stored");
    assert!(started.elapsed() > Duration::from_secs(1), "it outlasted the whole-body deadline: {:?}", started.elapsed());

    // 100 bytes every 200 ms: 500 bytes a second, under the 4 KiB a second.
    let started = Instant::now();
    let request = axum::http::Request::post("/media")
        .header("cookie", &cookie)
        .body(trickle(png[..100].to_vec(), vec![0u8; 100], Duration::from_millis(200), usize::MAX))
        .unwrap();
    let (status, connection) = send(&router, request).await;
    assert_eq!(status, 408);
    assert_eq!(connection.as_deref(), Some("close"));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(app.temp_files(), 0, "nothing of it is left behind");
}}
