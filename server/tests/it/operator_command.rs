//! `server operator add|reset`, run as the real binary against a real SQLite file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) fn run(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn operators_are_added_and_reset_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("console-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let (ok, out) = run(&dir, &["operator", "add", "jane", "--password-stdin"], Some("from standard input\n"));
    assert!(ok, "{out}");
    assert!(out.contains("Operator \"jane\" added."), "{out}");
    assert!(!out.contains("from standard input"), "a given password is not echoed: {out}");

    let (ok, out) = run(&dir, &["operator", "add", "jane"], None);
    assert!(!ok && out.contains("already taken"), "{out}");
    let (ok, out) = run(&dir, &["operator", "add", "bob", "--password-stdin"], Some("short\n"));
    assert!(!ok && out.contains("at least 12"), "{out}");

    let (ok, out) = run(&dir, &["operator", "reset", "jane"], None);
    assert!(ok, "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown only now): "))
        .expect("the generated password is printed")
        .to_owned();
    let (ok, out) = run(&dir, &["operator", "reset", "nobody"], None);
    assert!(!ok && out.contains("no operator named"), "{out}");

    let db =
        storage::sqlite::SqliteStore::connect(&format!("sqlite://{}", dir.join("console.db").display())).await.unwrap();
    // What the commands recorded (before the sign-ins below record their own).
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(db.pool()).await.unwrap();
    assert_eq!(actions, ["operator_added", "password_reset"]);
    // The printed password is the one that now signs in.
    let auth = crate::common::auth_over(db.pool().clone());
    assert!(auth.sign_in("jane", &password, None).await.is_ok());
    assert!(auth.sign_in("jane", "from standard input", None).await.is_err());
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
