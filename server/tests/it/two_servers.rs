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

#[tokio::test]
async fn two_servers_share_one_database_and_one_bucket() {
    let db = TestDb::postgres().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (a, b) = (Server::start(&db, "a"), Server::start(&db, "b"));
    a.wait_until_ready(&client).await;
    b.wait_until_ready(&client).await;
    let healthz = client.get(b.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200);

    // Started together on an empty database: exactly one made the first operator.
    let printed: Vec<String> = [&a, &b].iter().filter_map(|s| s.printed_password()).collect();
    assert_eq!(printed.len(), 1, "A:\n{}\nB:\n{}", a.output(), b.output());
    let operators: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&db.any).await.unwrap();
    assert_eq!(operators, 1);

    // A session made on A opens B.
    let signed_in = sign_in(&client, &a, &printed[0]).await;
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let call =
        |server: &Server, function: &str| client.post(server.url(&format!("/api/{function}"))).header(COOKIE, &cookie);
    assert_eq!(call(&b, "list_channels").form(&[("page", "1")]).send().await.unwrap().status(), 200);

    // A photo uploaded on A is served by B.
    let png = crate::common::png(9, 7, 42);
    let uploaded: serde_json::Value = client
        .post(a.url("/media"))
        .header(COOKIE, &cookie)
        .body(png.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo = uploaded["id"].as_str().unwrap().to_owned();
    // (Not used by anything yet, so only for operators.)
    let served = client.get(b.url(&format!("/media/{photo}"))).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());

    // A post published on B is found by search on A.
    let channel: serde_json::Value = call(&a, "create_channel")
        .form(&[("name", "Harbour news"), ("profile", ""), ("photo", &photo)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
