//! Sign-in, sessions, operators and the audit log, over HTTP against a real SQLite file.

use crate::common::on_both;
use crate::common::{Reply, TestApp, OPERATOR, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

fn form(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body = fields
        .iter()
        .map(|(k, v)| {
            format!("{k}={}", v.replace('%', "%25").replace('&', "%26").replace(' ', "+").replace('/', "%2F"))
        })
        .collect::<Vec<_>>()
        .join("&");
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Reply {
    app.send_anonymous(form("/api/sign_in", &[("operator", name), ("password", password), ("next", "/posts")])).await
}

fn session_cookie(reply: &Reply) -> String {
    let set = reply.headers.get(header::SET_COOKIE).expect("a session cookie").to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT operator, action, subject FROM audit_log ORDER BY id DESC")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

on_both! { /// Every page route and every server function, except the sign-in page and function,
/// refuses a request without a session: pages redirect to sign-in, functions answer 401.
async fn every_route_and_function_refuses_anonymous_requests(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let pages: Vec<String> =
        server::router::page_routes().iter().map(|route| route.path().replace(":id", "1")).collect();
    assert!(pages.len() >= 7, "routes found: {pages:?}");
    for page in &pages {
        let reply = app.send_anonymous(Request::get(page.as_str()).body(Body::empty()).unwrap()).await;
        if page == "/sign-in" {
            assert_eq!(reply.status, StatusCode::OK, "{page}");
            continue;
        }
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
        let location = reply.headers[header::LOCATION].to_str().unwrap();
        assert!(
            location.starts_with("/sign-in?next=%2F") || location.starts_with("/sign-in?next=/"),
            "{page}: {location}"
        );
        // The same page with a session is served.
        let signed_in = app.get(page).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{page} signed in");
    }

    let functions: Vec<(&str, _)> = leptos::server_fn::axum::server_fn_paths().collect();
    assert!(functions.len() >= 15, "server functions found: {functions:?}");
    for (path, method) in &functions {
        let reply = app
            .send_anonymous(
                Request::builder()
                    .method(method.clone())
                    .uri(*path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        if *path == "/api/sign_in" {
            assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{path} answers without a session");
            continue;
        }
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(reply.json(), serde_json::json!("Unauthorized"), "{path}");
    }

    // Media uploads too; images in public use and the compiled app are public.
    let upload =
        app.send_anonymous(Request::post("/media").body(Body::from(crate::common::png(4, 4, 1))).unwrap()).await;
    assert_eq!(upload.status, StatusCode::UNAUTHORIZED);
    let id = app.upload_png(3).await;
    assert_eq!(app.create("Public", "", &id).await.status, StatusCode::OK);
    let image = app.send_anonymous(Request::get(format!("/media/{id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(image.status, StatusCode::OK);
    let asset = app.send_anonymous(Request::get("/pkg/channel-console.js").body(Body::empty()).unwrap()).await;
    assert_ne!(asset.status, StatusCode::SEE_OTHER);
    // An unknown path is not a way around the gate.
    let unknown = app.send_anonymous(Request::get("/nothing-here").body(Body::empty()).unwrap()).await;
    assert_eq!(unknown.status, StatusCode::SEE_OTHER);
}}

on_both! { async fn signing_in_sets_a_strict_http_only_cookie_that_opens_the_console(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = sign_in(&app, OPERATOR, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.json(), serde_json::json!("/posts"));
    let set = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain http: {set}");

    let cookie = session_cookie(&reply);
    let page = app
        .send_anonymous(Request::get("/channels").header(header::COOKIE, &cookie).body(Body::empty()).unwrap())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.body).contains("Sign out"));

    // Behind a proxy that terminates https, the cookie is Secure.
    let mut https = form("/api/sign_in", &[("operator", OPERATOR), ("password", PASSWORD), ("next", "/")]);
    https.headers_mut().insert("x-forwarded-proto", "https".parse().unwrap());
    let reply = app.send_anonymous(https).await;
    assert!(reply.headers[header::SET_COOKIE].to_str().unwrap().contains("; Secure"));

    // A signed-in operator who opens the sign-in page is sent on.
    let again = app.get("/sign-in").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let audit = audit_actions(&app).await;
    assert_eq!(audit[0].1, "sign_in");
    assert_eq!(audit[0].0, OPERATOR);
}}

on_both! { async fn a_wrong_name_and_a_wrong_password_get_the_same_answer(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let wrong_password = sign_in(&app, OPERATOR, "not the password").await;
    let wrong_name = sign_in(&app, "nobody", PASSWORD).await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_name.status, wrong_password.status);
    assert_eq!(wrong_name.body, wrong_password.body);
    assert!(wrong_name.headers.get(header::SET_COOKIE).is_none());
    let message = wrong_name.json();
    assert_eq!(message, serde_json::json!("WrongCredentials"));
    let failed: Vec<_> = audit_actions(&app).await.into_iter().filter(|a| a.1 == "sign_in_failed").collect();
    assert_eq!(failed.len(), 2);
}}

on_both! { async fn repeated_failures_from_one_address_are_slowed_down(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for _ in 0..5 {
        assert_eq!(sign_in(&app, OPERATOR, "guess").await.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password must wait.
    let refused = sign_in(&app, OPERATOR, PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.json()["TooManyAttempts"]["retry_after_secs"].as_u64().unwrap() >= 1);
    // Not a second later: still refused. A second later: let through.
    app.clock.advance(std::time::Duration::from_millis(999));
    assert_eq!(sign_in(&app, OPERATOR, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(std::time::Duration::from_millis(1));
    assert_eq!(sign_in(&app, OPERATOR, PASSWORD).await.status, StatusCode::OK);
    // Success clears the count: the next typo is not held back.
    assert_eq!(sign_in(&app, OPERATOR, "typo").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, OPERATOR, PASSWORD).await.status, StatusCode::OK);
}}

on_both! { async fn signing_out_ends_the_session_on_the_server(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let reply = app.call("sign_out", &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(sessions, 0);
    // The old cookie, replayed, opens nothing.
    assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/channels").await.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_actions(&app).await[0].1, "sign_out");
}}

on_both! { async fn an_idle_session_expires(pool: TestDb) {
    let app = TestApp::new(pool).await;
    assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::OK);
    // Just short of the test server's idle limit (an hour), twice: each request uses the
    // session, so it lasts past the hour since signing in.
    for _ in 0..2 {
        app.clock.advance(std::time::Duration::from_secs(3599));
        assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::OK);
    }
    // An hour of silence after the last request ends it.
    app.clock.advance(std::time::Duration::from_secs(3600));
    assert_eq!(app.call("list_channels", &[("page", "1")]).await.status, StatusCode::UNAUTHORIZED);
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(sessions, 0, "the expired session is deleted");
}}

on_both! { async fn sign_in_only_sends_operators_to_pages_of_this_site(pool: TestDb) {
    let app = TestApp::new(pool).await;
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let reply = app
            .send_anonymous(form("/api/sign_in", &[("operator", OPERATOR), ("password", PASSWORD), ("next", next)]))
            .await;
        assert_eq!(reply.json(), serde_json::json!("/channels"), "{next}");
    }
    // A browser posting the form itself (no script yet) is redirected.
    let mut native = form("/api/sign_in", &[("operator", OPERATOR), ("password", PASSWORD), ("next", "/posts")]);
    native.headers_mut().insert(header::ACCEPT, "text/html,application/xhtml+xml".parse().unwrap());
    let reply = app.send_anonymous(native).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.headers[header::LOCATION], "/posts");
}}

on_both! { async fn operators_are_added_listed_and_removed(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let short = app.call("add_operator", &[("name", "jane"), ("password", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.json().to_string().contains("TooShort"), "{}", short.json());
    let bad_name = app.call("add_operator", &[("name", "jane doe"), ("password", "long enough password")]).await;
    assert_eq!(bad_name.status, StatusCode::UNPROCESSABLE_ENTITY);

    let added = app.call("add_operator", &[("name", "jane"), ("password", "long enough password")]).await;
    assert_eq!(added.status, StatusCode::OK, "{}", String::from_utf8_lossy(&added.body));
    let jane_id = added.json()["id"].as_i64().unwrap();
    assert!(added.json().get("password_hash").is_none());
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM operators WHERE name = 'jane'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    let duplicate = app.call("add_operator", &[("name", "JANE"), ("password", "another long password")]).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let list = app.call("list_operators", &[]).await.json();
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["jane", OPERATOR]);

    // Jane signs in; removing her ends that session.
    let jane = session_cookie(&sign_in(&app, "jane", "long enough password").await);
    let me = app.send_anonymous(form("/api/whoami", &[])).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let mut whoami = form("/api/whoami", &[]);
    whoami.headers_mut().insert(header::COOKIE, jane.parse().unwrap());
    assert_eq!(app.send(whoami).await.json(), serde_json::json!("jane"));

    let mut self_removal = form("/api/remove_operator", &[("id", &jane_id.to_string())]);
    self_removal.headers_mut().insert(header::COOKIE, jane.parse().unwrap());
    assert_eq!(app.send(self_removal).await.status, StatusCode::CONFLICT);

    let removed = app.call("remove_operator", &[("id", &jane_id.to_string())]).await;
    assert_eq!(removed.status, StatusCode::OK);
    let mut after = form("/api/whoami", &[]);
    after.headers_mut().insert(header::COOKIE, jane.parse().unwrap());
    assert_eq!(app.send(after).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("remove_operator", &[("id", &jane_id.to_string())]).await.status, StatusCode::NOT_FOUND);

    let audit = audit_actions(&app).await;
    assert!(audit.iter().any(|a| a == &(OPERATOR.into(), "operator_added".into(), "jane".into())));
    assert!(audit.iter().any(|a| a == &(OPERATOR.into(), "operator_removed".into(), "jane".into())));
}}

on_both! { async fn changing_ones_password_needs_the_current_one_and_signs_out_elsewhere(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let elsewhere = session_cookie(&sign_in(&app, OPERATOR, PASSWORD).await);

    let wrong = app.call("change_password", &[("current", "not it"), ("new", "a brand new password")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.json().to_string().contains("CurrentPassword"));
    let weak = app.call("change_password", &[("current", PASSWORD), ("new", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);

    let changed = app.call("change_password", &[("current", PASSWORD), ("new", "a brand new password")]).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", String::from_utf8_lossy(&changed.body));
    // This session goes on; the other one ended.
    assert_eq!(app.call("whoami", &[]).await.status, StatusCode::OK);
    let mut other = form("/api/whoami", &[]);
    other.headers_mut().insert(header::COOKIE, elsewhere.parse().unwrap());
    assert_eq!(app.send(other).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, OPERATOR, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, OPERATOR, "a brand new password").await.status, StatusCode::OK);
}}

on_both! { async fn the_last_operator_cannot_be_removed(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let added = app.call("add_operator", &[("name", "jane"), ("password", "long enough password")]).await;
    let jane = session_cookie(&sign_in(&app, "jane", "long enough password").await);
    let tester_id: i64 = sqlx::query_scalar("SELECT id FROM operators WHERE name = $1")
        .bind(OPERATOR)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // Jane removes the tester, then nobody but Jane is left, and she cannot remove herself.
    let mut remove = form("/api/remove_operator", &[("id", &tester_id.to_string())]);
    remove.headers_mut().insert(header::COOKIE, jane.parse().unwrap());
    assert_eq!(app.send(remove).await.status, StatusCode::OK);
    let jane_id = added.json()["id"].as_i64().unwrap();
    let mut last = form("/api/remove_operator", &[("id", &jane_id.to_string())]);
    last.headers_mut().insert(header::COOKIE, jane.parse().unwrap());
    assert_eq!(app.send(last).await.status, StatusCode::CONFLICT);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 1);
}}

on_both! { async fn the_audit_log_records_who_changed_what_newest_first(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let id = app.channel("Audited").await;
    let photo = app.upload_png(9).await;
    let edited = app
        .call("update_channel", &[("id", &id.to_string()), ("name", "Audited 2"), ("profile", ""), ("photo", &photo)])
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let published = app
        .call_json(
            "publish_post",
            serde_json::json!({
                "draft": { "channel_id": id, "kind": "TextOnly", "text": "hello", "images": [], "links": [] },
                "request_id": "audit-1"
            }),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", String::from_utf8_lossy(&published.body));
    assert_eq!(app.call("delete_channel", &[("id", &id.to_string())]).await.status, StatusCode::OK);

    let page = app.call("audit_log", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let entries = page.json()["entries"].as_array().unwrap().clone();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["channel_deleted", "post_published", "channel_edited", "channel_created"]);
    assert!(entries.iter().all(|e| e["operator"] == OPERATOR));
    assert_eq!(entries[0]["subject"], format!("#{id} Audited 2"));
    assert_eq!(entries[3]["subject"], format!("#{id} Audited"));
    let times: Vec<i64> = entries.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}}

on_both! { async fn the_first_start_creates_admin_once(pool: TestDb) {
    let auth = crate::common::auth_over(&pool);
    let first = auth.ensure_first_operator(None).await.unwrap().unwrap();
    assert_eq!(first.name, "admin");
    let password = first.password.expect("a generated password to print");
    assert!(auth.sign_in("admin", &password, None).await.is_ok());
    assert!(auth.ensure_first_operator(None).await.unwrap().is_none());
}}

on_both! { async fn the_first_admin_password_can_come_from_the_environment(pool: TestDb) {
    let auth = crate::common::auth_over(&pool);
    let given = Some("from the environment".to_owned());
    let first = auth.ensure_first_operator(given).await.unwrap().unwrap();
    assert!(first.password.is_none(), "nothing to print");
    assert!(auth.sign_in("admin", "from the environment", None).await.is_ok());
}}

const ADMIN_PASSWORD: &str = "the administrator's own passphrase";

/// A sign-in form from the client at `address`, with the browser's device cookie if it has
/// one.
async fn sign_in_at(app: &TestApp, name: &str, password: &str, address: &str, device: Option<&str>) -> Reply {
    let mut request = form("/api/sign_in", &[("operator", name), ("password", password), ("next", "/posts")]);
    let peer: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    if let Some(device) = device {
        request.headers_mut().insert(header::COOKIE, device.parse().unwrap());
    }
    app.send_anonymous(request).await
}

/// The device cookie a sign-in set (`console_device=...`), as the browser sends it back.
fn device_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("console_device="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a device cookie")
}

fn retry_after(reply: &Reply) -> u64 {
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", String::from_utf8_lossy(&reply.body));
    let secs = reply.json()["TooManyAttempts"]["retry_after_secs"].as_u64().unwrap();
    assert_eq!(reply.headers[header::RETRY_AFTER], secs.to_string().as_str());
    secs
}

async fn add_admin(app: &TestApp) {
    let added = app.call("add_operator", &[("name", "admin"), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(added.status, StatusCode::OK, "{}", String::from_utf8_lossy(&added.body));
}

on_both! { /// Issue 29: 200 wrong passwords for `admin` from 200 addresses, each one checked
/// (a client told to wait waits, then tries again). Then the administrator's own browser,
/// which signed in before, signs in at once; a new browser at a new address is told to
/// wait a few seconds at most, never refused for the throttle's whole window.
async fn guesses_sprayed_at_a_name_do_not_lock_its_owner_out(pool: TestDb) {
    let app = TestApp::new(pool).await;
    add_admin(&app).await;
    let first = sign_in_at(&app, "admin", ADMIN_PASSWORD, "192.0.2.1", None).await;
    assert_eq!(first.status, StatusCode::OK);
    let device = device_cookie(&first);
    let set = first.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).find(|v| v.starts_with("console_device=")).unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Max-Age=31536000"), "{set}");

    let mut waits = Vec::new();
    for n in 0..200u32 {
        let address = format!("10.9.{}.{}", n / 200, n % 200 + 1);
        loop {
            let reply = sign_in_at(&app, "admin", &format!("guess number {n}"), &address, None).await;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&reply);
                waits.push(wait);
                app.clock.advance(std::time::Duration::from_secs(wait));
                continue;
            }
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "guess {n}");
            break;
        }
    }
    assert!(waits.len() > 150, "the name slows the guessing down: {} waits", waits.len());
    assert!(waits.iter().all(|w| *w <= 4), "never more than a few seconds: {waits:?}");
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(failed, 200, "every guess was checked");

    // Right after the last guess: the administrator's browser gets in at once.
    let owner = sign_in_at(&app, "admin", ADMIN_PASSWORD, "198.51.100.7", Some(&device)).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", String::from_utf8_lossy(&owner.body));
    // A browser the name does not know, at an address nobody used: a short wait at most.
    let stranger = sign_in_at(&app, "admin", ADMIN_PASSWORD, "198.51.100.8", None).await;
    if stranger.status != StatusCode::OK {
        let wait = retry_after(&stranger);
        assert!(wait <= 4, "{wait}");
        app.clock.advance(std::time::Duration::from_secs(wait));
        let again = sign_in_at(&app, "admin", ADMIN_PASSWORD, "198.51.100.8", None).await;
        assert_eq!(again.status, StatusCode::OK, "{}", String::from_utf8_lossy(&again.body));
    }
}}

on_both! { /// A device cookie that keeps failing is locked out on its own (as an address is),
/// without charging the name; a forged or altered one, or another operator's, counts as
/// none.
async fn a_device_cookie_that_keeps_failing_is_locked_out_alone(pool: TestDb) {
    let app = TestApp::new(pool).await;
    add_admin(&app).await;
    let device = device_cookie(&sign_in_at(&app, "admin", ADMIN_PASSWORD, "192.0.2.1", None).await);
    for n in 0..5 {
        let reply = sign_in_at(&app, "admin", "a wrong password", &format!("10.8.0.{}", n + 1), Some(&device)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, with this cookie, from a fresh address.
    let locked = sign_in_at(&app, "admin", ADMIN_PASSWORD, "10.8.1.1", Some(&device)).await;
    assert!(retry_after(&locked) >= 1);
    // The name was not charged: a browser without the cookie gets in at once.
    let other = sign_in_at(&app, "admin", ADMIN_PASSWORD, "10.8.1.2", None).await;
    assert_eq!(other.status, StatusCode::OK);
    let fresh = device_cookie(&other);

    // Five failures at the name from browsers it does not know: unknown clients wait.
    for n in 0..5 {
        let reply = sign_in_at(&app, "admin", "a wrong password", &format!("10.7.0.{}", n + 1), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let (name, value) = fresh.split_once('=').unwrap();
    let mut altered = value.to_owned();
    let last = if altered.ends_with('0') { '1' } else { '0' };
    altered.pop();
    altered.push(last);
    let tester = device_cookie(&sign_in_at(&app, OPERATOR, PASSWORD, "10.7.1.9", None).await);
    for not_admins in [format!("{name}={altered}"), format!("{name}=v1.61646d696e.1.2.3"), tester] {
        let reply = sign_in_at(&app, "admin", ADMIN_PASSWORD, "10.7.1.1", Some(&not_admins)).await;
        assert!(retry_after(&reply) >= 1, "{not_admins}");
    }
    let genuine = sign_in_at(&app, "admin", ADMIN_PASSWORD, "10.7.1.1", Some(&fresh)).await;
    assert_eq!(genuine.status, StatusCode::OK);
}}

on_both! { /// Sessions end at their absolute lifetime, however busy: each request below comes
/// before the idle limit (an hour), and still the session ends 4 hours after signing in.
async fn a_session_in_constant_use_still_ends_at_its_lifetime(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let limits = storage::auth::SessionLimits {
        idle: std::time::Duration::from_secs(3600),
        max_age: std::time::Duration::from_secs(4 * 3600),
    };
    let auth = storage::auth::Auth::with_limits(app.storage.db.clone(), limits, app.clock.clone()).unwrap();
    let router = server::router::router(app::context::AppState { auth: auth.clone(), ..app.state.clone() });
    let (_, token) = auth.sign_in(OPERATOR, PASSWORD, None).await.unwrap();
    let whoami = || {
        let mut request = form("/api/whoami", &[]);
        request.headers_mut().insert(header::COOKIE, format!("console_session={token}").parse().unwrap());
        tower::ServiceExt::oneshot(router.clone(), request)
    };
    for _ in 0..4 {
        assert_eq!(whoami().await.unwrap().status(), StatusCode::OK);
        app.clock.advance(std::time::Duration::from_secs(3599));
    }
    // 4 h less 4 s after signing in, used 1 s ago: still on. At 4 h: over.
    assert_eq!(whoami().await.unwrap().status(), StatusCode::OK);
    app.clock.advance(std::time::Duration::from_secs(4));
    assert_eq!(whoami().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE operator_id = $1")
        .bind(app.operator_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "that session is deleted (the test's own, made at its start, remains)");
}}
