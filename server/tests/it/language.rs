//! Korean and English: pages render on the server in the operator's language (their choice
//! in the `lang` cookie, else the browser's `Accept-Language`), the switch remembers the
//! choice, server functions word their errors in it, and the REST API stays in English.

use crate::common::on_both;
use crate::common::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

fn page(uri: &str, accept_language: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri).header(header::ACCEPT_LANGUAGE, accept_language);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn html(reply: &crate::common::Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK);
    String::from_utf8(reply.body.clone()).unwrap()
}

on_both! { async fn pages_render_in_the_language_the_browser_asks_for_unless_the_operator_chose(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let korean = html(&app.send_anonymous(page("/sign-in", "ko-KR,ko;q=0.9,en-US;q=0.8", None)).await);
    assert!(korean.contains(r#"<html lang="ko""#), "{korean}");
    assert!(korean.contains("채널 콘솔 로그인") && korean.contains("비밀번호"));
    assert!(korean.contains("<title>채널 콘솔</title>"), "{korean}");
    assert!(!korean.contains("Sign in to Channel Console"));
    let english = html(&app.send_anonymous(page("/sign-in", "en-US,en;q=0.9", None)).await);
    assert!(english.contains(r#"<html lang="en""#) && english.contains("Sign in to Channel Console"));
    assert!(english.contains("<title>Channel Console</title>"));
    // A language of none of ours: English.
    let french = html(&app.send_anonymous(page("/sign-in", "fr-FR,fr;q=0.9", None)).await);
    assert!(french.contains(r#"<html lang="en""#));
    // The operator's choice wins over the browser.
    let chosen = html(&app.send_anonymous(page("/sign-in", "ko-KR", Some("console_lang=en"))).await);
    assert!(chosen.contains(r#"<html lang="en""#) && chosen.contains("Sign in to Channel Console"));

    // Signed in: the whole page, its data and its dates.
    app.channel("부산 항만 소식").await;
    let session = app.cookie.clone().unwrap();
    let channels = html(&app.send(page("/channels", "en", Some(&format!("{session}; console_lang=ko")))).await);
    for words in ["채널 만들기", "로그아웃", "감사 로그", "채널 1개", "생성일", "년 ", "부산 항만 소식"] {
        assert!(channels.contains(words), "{words} missing from {channels}");
    }
    assert!(!channels.contains("Create channel") && !channels.contains("Sign out"));
    let posts = html(&app.send(page("/posts", "ko", None)).await);
    assert!(posts.contains("새 게시물") && posts.contains("게시물 검색") && posts.contains("이미지와 텍스트"));
}}

on_both! { async fn the_switch_remembers_the_choice_and_returns_to_the_page(pool: TestDb) {
    let app = TestApp::new(pool).await;
    // Offered on the sign-in page, so it works without a session.
    let reply = app.send_anonymous(page("/language/ko?next=%2Fsign-in%3Fnext%3D%252Fposts", "en", None)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/sign-in?next=%2Fposts");
    assert_eq!(reply.headers[header::SET_COOKIE], "console_lang=ko; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
    let reply = app.send(page("/language/en?next=%2Fposts%3Fq%3D%EC%84%9C%EC%9A%B8", "ko", None)).await;
    assert_eq!(reply.headers[header::LOCATION], "/posts?q=%EC%84%9C%EC%9A%B8");
    assert!(reply.headers[header::SET_COOKIE].to_str().unwrap().starts_with("console_lang=en;"));
    // Never to another site; no language of ours, no cookie.
    let away = app.send_anonymous(page("/language/ko?next=https%3A%2F%2Fevil.example%2F", "en", None)).await;
    assert_eq!(away.headers[header::LOCATION], "/channels");
    for bad in ["/language/fr?next=%2F", "/language/KO?next=%2F", "/language/ko-KR"] {
        let reply = app.send_anonymous(page(bad, "en", None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!reply.headers.contains_key(header::SET_COOKIE), "{bad}");
    }
}}

on_both! { async fn server_functions_answer_in_the_operators_language(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let session = app.cookie.clone().unwrap();
    let call = |function: &str, body: &str, lang: &str| {
        Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("{session}; console_lang={lang}"))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let missing = app.send(call("delete_channel", "id=999999", "ko")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json(), json!({"NotFound": "이 채널은 더 이상 존재하지 않습니다. 삭제되었을 수 있습니다."}));
    let myself = app.send(call("remove_operator", &format!("id={}", app.operator_id), "ko")).await;
    assert_eq!(myself.status, StatusCode::CONFLICT);
    assert!(myself.json()["Conflict"].as_str().unwrap().starts_with("자기 자신은 제거할 수 없습니다"));
    let english = app.send(call("delete_channel", "id=999999", "en")).await;
    assert_eq!(english.json(), json!({"NotFound": "This channel no longer exists; it may have been deleted."}));
    // Validation errors stay structured: the browser words them (with the byte counts).
    let long = "가".repeat(60);
    let photo = app.upload_png(1).await;
    let invalid = app.send(call("create_channel", &format!("name={long}&profile=&photo={photo}"), "ko")).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.json(), json!({"Invalid": {"TooLong": {"field": "ChannelName", "max": 150, "actual": 180}}}));
}}

on_both! { async fn the_rest_api_keeps_the_vendors_english(pool: TestDb) {
    let api = crate::rest::Api::new(pool).await;
    let body = json!({
        "Official_Account": "@TOA#_nobody",
        "Random": 1,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}],
    });
    let request = Request::post(format!("/v4/official_account_open_http_svc/send_official_account_msg?{}", api.query()))
        .header(header::HOST, "console.example:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "ko-KR,ko")
        .header(header::COOKIE, "console_lang=ko")
        .body(Body::from(body.to_string()))
        .unwrap();
    let answer = api.app.send_anonymous(request).await.json();
    let info = answer["ErrorInfo"].as_str().unwrap();
    assert!(!info.is_empty() && info.is_ascii(), "{answer}");
    // What the REST API words through the console's errors (`from_app`) is made outside any
    // Leptos request, where the words are English whatever the headers said.
    let err = app::error::AppError::from(storage::StoreError::NotFound(storage::Missing::Operator));
    assert_eq!(err, app::error::AppError::NotFound("This operator no longer exists.".into()));
}}

on_both! { async fn an_upload_refused_in_korean_stays_structured_for_the_browser_to_word(pool: TestDb) {
    let app = TestApp::new(pool).await;
    let upload = |lang: &str| {
        Request::post("/media?for=post")
            .header(header::COOKIE, format!("{}; console_lang={lang}", app.cookie.clone().unwrap()))
            .body(Body::from(b"not an image at all".to_vec()))
            .unwrap()
    };
    // Structured, worded by the browser.
    let refused = app.send(upload("ko")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json(), json!({"Invalid": {"NotAnImage": {"field": "PostImages"}}}));
}}
