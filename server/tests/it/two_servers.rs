//! Two server processes (the real binary) sharing one PostgreSQL database and one bucket,
//! as two machines behind a load balancer would: they start together on an empty database
//! and only one creates (and prints) the first operator; a session made on A works on B;
//! failed sign-ins on A and B count together; a photo uploaded on A is served by B; a post
//! published on B is found by search on A; and when A is killed, B keeps serving.

use crate::common::process::Server;
use crate::common::TestDb;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

async fn sign_in(client: &reqwest::Client, server: &Server, password: &str) -> reqwest::Response {
    client
        .post(server.url("/api/sign_in"))
        .form(&[("operator", "admin"), ("password", password), ("next", "/channels")])
        .send()
        .await
        .unwrap()
}

/// A request's answer, as JSON.
async fn answer(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Two servers started together on `db`, both ready.
async fn start_both(db: &TestDb, client: &reqwest::Client) -> (Server, Server) {
    let (a, b) = (Server::start(db, "a"), Server::start(db, "b"));
    a.wait_until_ready(client).await;
    b.wait_until_ready(client).await;
    (a, b)
}

/// The `Cookie` header of a session made on `server`.
async fn session(client: &reqwest::Client, server: &Server, password: &str) -> String {
    let signed_in = sign_in(client, server, password).await;
    assert_eq!(signed_in.status(), 200);
    signed_in.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn two_servers_share_one_database_and_one_bucket() {
    let db = TestDb::postgres().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (a, b) = start_both(&db, &client).await;
    let healthz = client.get(b.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200);

    // Started together on an empty database: exactly one made the first operator.
    let printed: Vec<String> = [&a, &b].iter().filter_map(|s| s.printed_password()).collect();
    assert_eq!(printed.len(), 1, "A:\n{}\nB:\n{}", a.output(), b.output());
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&db.any).await.unwrap();
    assert_eq!(operators, 1);

    // A session made on A opens B.
    let cookie = session(&client, &a, &printed[0]).await;
    let call =
        |server: &Server, function: &str| client.post(server.url(&format!("/api/{function}"))).header(COOKIE, &cookie);
    assert_eq!(call(&b, "list_channels").form(&[("page", "1")]).send().await.unwrap().status(), 200);

    // A photo uploaded on A is served by B.
    let png = crate::common::png(9, 7, 42);
    let uploaded = answer(client.post(a.url("/media")).header(COOKIE, &cookie).body(png.clone())).await;
    let photo = uploaded["id"].as_str().unwrap().to_owned();
    // (Not used by anything yet, so only for operators.)
    let served = client.get(b.url(&format!("/media/{photo}"))).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());

    // A post published on B is found by search on A.
    let channel =
        answer(call(&a, "create_channel").form(&[("name", "Harbour news"), ("profile", ""), ("photo", &photo)])).await;
    let draft = json!({"channel_id": channel["id"], "kind": "ImageAndText", "text": "Ferries leave the 서울 harbour at dawn",
        "images": [{"media": photo, "alt": ""}], "links": []});
    let published =
        call(&b, "publish_post").json(&json!({"draft": draft, "request_id": "two-servers-1"})).send().await.unwrap();
    assert_eq!(published.status(), 200, "{}", published.text().await.unwrap());
    for q in ["harbour", "서울", "dawn 서울"] {
        let found: serde_json::Value =
            call(&a, "list_posts").json(&json!({"filter": {"q": q}})).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["posts"].as_array().unwrap().len(), 1, "{q}: {found}");
    }

    // Failed sign-ins on A and on B count together: 3 + 2 are the free ones, then 429.
    for server in [&a, &a, &a, &b, &b] {
        assert_eq!(sign_in(&client, server, "not the password").await.status(), 401);
    }
    assert_eq!(sign_in(&client, &a, "not the password").await.status(), 429);
    assert_eq!(sign_in(&client, &b, "not the password").await.status(), 429);

    // A dies; B goes on serving, with the same session.
    drop(a);
    assert_eq!(client.get(b.url("/readyz")).send().await.unwrap().status(), 200);
    let found: serde_json::Value =
        call(&b, "list_posts").json(&json!({"filter": {"q": "harbour"}})).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["posts"].as_array().unwrap().len(), 1);
}

/// Two servers on one PostgreSQL database: a user subscribed on A receives on A what is
/// published through B, and streams on both servers carry the same events in the same
/// order, each once, while both publish at once (ids are positions in one log that the
/// servers' sequencers agree on); a stream resumed on B after an id A gave misses nothing.
#[tokio::test]
async fn streams_on_two_servers_carry_every_post_once_in_one_order() {
    use crate::common::sse::{Source, Sse};
    use server::rest::usersig;
    let db = TestDb::postgres().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (a, b) = start_both(&db, &client).await;
    let password = [&a, &b].iter().find_map(|s| s.printed_password()).unwrap();
    let cookie = session(&client, &a, &password).await;
    let function = |name: &str| client.post(a.url(&format!("/api/{name}"))).header(COOKIE, &cookie);
    let key: String = function("rotate_api_key").send().await.unwrap().json().await.unwrap();
    assert_eq!(function("add_api_admin").form(&[("identifier", "administrator")]).send().await.unwrap().status(), 200);
    let settings = answer(function("get_api_settings")).await;
    let appid = settings["sdkappid"].as_i64().unwrap();
    let now = storage::clock::now();
    let rest = |server: &Server, command: &str| {
        let sig = usersig::generate(appid, &key, "administrator", 3600, now);
        client.post(server.url(&format!(
            "/v4/official_account_open_http_svc/{command}?sdkappid={appid}&identifier=administrator&usersig={sig}&random=1&contenttype=json"
        )))
    };
    let ann = format!("sdkappid={appid}&identifier=ann&usersig={}", usersig::generate(appid, &key, "ann", 3600, now));
    let created =
        answer(rest(&b, "create_official_account").json(&json!({"Owner_Account": "owner", "Name": "Two servers"})))
            .await;
    let channel = created["OfficialAccountUserID"].as_str().unwrap().to_owned();
    let subscribed = answer(
        client.post(a.url(&format!("/subscriber/v1/subscribe?{ann}"))).json(&json!({"Official_Account": channel})),
    )
    .await;
    assert_eq!(subscribed["ActionStatus"], "OK", "{subscribed}");
    let open = |server: &Server, last: Option<i64>| {
        let mut request = client.get(server.url(&format!("/subscriber/v1/events?{ann}")));
        if let Some(last) = last {
            request = request.header("last-event-id", last.to_string());
        }
        request.send()
    };
    let mut on_a = Sse::new(Source::Http(open(&a, None).await.unwrap()));
    let mut on_b = Sse::new(Source::Http(open(&b, None).await.unwrap()));

    // Subscribed on A, published on B: it arrives on A.
    let sent = answer(rest(&b, "send_official_account_msg")
        .json(&json!({"Official_Account": channel, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "from B"}}]})))
    .await;
    assert_eq!(sent["ActionStatus"], "OK", "{sent}");
    for stream in [&mut on_a, &mut on_b] {
        let event = stream.next().await;
        assert_eq!(event.data["MsgKey"], sent["MsgKey"], "{event:?}");
    }

    // Both servers publish at once, round after round.
    let mut texts = Vec::new();
    for round in 0..10 {
        let sends = (0..16).map(|i| {
            let text = format!("round {round} post {i}");
            texts.push(text.clone());
            let server = if i % 2 == 0 { &a } else { &b };
            rest(server, "send_official_account_msg")
                .json(&json!({"Official_Account": channel, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]}))
                .send()
        });
        for answer in futures_util::future::join_all(sends).await {
            assert_eq!(answer.unwrap().json::<serde_json::Value>().await.unwrap()["ActionStatus"], "OK");
        }
    }
    let mut seen = Vec::new();
    for stream in [&mut on_a, &mut on_b] {
        let mut events = Vec::new();
        for _ in 0..texts.len() {
            let event = stream.next().await;
            events
                .push((event.id.unwrap(), event.data["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap().to_owned()));
        }
        assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "ids in order: {events:?}");
        let mut got: Vec<&String> = events.iter().map(|(_, t)| t).collect();
        got.sort();
        let mut want: Vec<&String> = texts.iter().collect();
        want.sort();
        assert_eq!(got, want, "each post once");
        seen.push(events);
    }
    assert_eq!(seen[0], seen[1], "both servers give one order");

    // Resumed on B after the 80th event A gave: the other 80, in that order.
    let (last, _) = seen[0][79].clone();
    let mut resumed = Sse::new(Source::Http(open(&b, Some(last)).await.unwrap()));
    for (id, text) in &seen[0][80..] {
        let event = resumed.next().await;
        assert_eq!(
            (event.id.unwrap(), event.data["MsgBody"][0]["MsgContent"]["Text"].as_str().unwrap()),
            (*id, text.as_str())
        );
    }
}
