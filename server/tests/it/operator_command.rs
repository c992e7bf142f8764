//! `server operator add|reset`, run as the real binary against a real SQLite file.

use crate::common::on_both;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) fn run_command(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> (bool, String) {
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

on_both! {
async fn operators_are_added_and_reset_from_the_command_line(db: TestDb) {
    let dir = db.data_dir.clone();
    let url = db.url.clone();
    let with_db = |args: &[&'static str]| -> Vec<String> {
        args.iter().map(|a| a.to_string()).chain(["--database-url".to_owned(), url.clone()]).collect()
    };
    let run = |args: Vec<String>, stdin: Option<&str>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_command(&dir, &args, stdin)
    };

    let (ok, out) = run(with_db(&["operator", "add", "jane", "--password-stdin"]), Some("from standard input\n"));
    assert!(ok, "{out}");
    assert!(out.contains("Operator \"jane\" added."), "{out}");
    assert!(!out.contains("from standard input"), "a given password is not echoed: {out}");

    let (ok, out) = run(with_db(&["operator", "add", "jane"]), None);
    assert!(!ok && out.contains("already taken"), "{out}");
    let (ok, out) = run(with_db(&["operator", "add", "bob", "--password-stdin"]), Some("short\n"));
    assert!(!ok && out.contains("at least 12"), "{out}");

    let (ok, out) = run(with_db(&["operator", "reset", "jane"]), None);
    assert!(ok, "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown only now): "))
        .expect("the generated password is printed")
        .to_owned();
    let (ok, out) = run(with_db(&["operator", "reset", "nobody"]), None);
    assert!(!ok && out.contains("no operator named"), "{out}");

    // What the commands recorded (before the sign-ins below record their own).
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id").fetch_all(&db.any).await.unwrap();
    assert_eq!(actions, ["operator_added", "password_reset"]);
    // The printed password is the one that now signs in.
    let auth = crate::common::auth_over(&db);
    assert!(auth.sign_in("jane", &password, None).await.is_ok());
    let refused = auth.sign_in("jane", "from standard input", None).await;
    assert!(matches!(refused, Err(storage::AuthError::WrongCredentials)), "{refused:?}");
}
}
