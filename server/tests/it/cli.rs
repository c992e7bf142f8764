//! The command line as a shell sees it: the real binary, its `--help`, its refusals and their
//! exit codes, and no secret from the environment in what it prints.

use std::process::{Command, Output};

fn server(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_server"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (status.code(), format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)))
}

#[test]
fn help_lists_every_flag_with_its_variable_and_no_secret() {
    let secret = [("DATABASE_URL", "postgres://app:s3cret@db/console"), ("CONSOLE_ADMIN_PASSWORD", "hunter2-hunter2")];
    let (code, out) = server(&["--help"], &secret);
    assert_eq!(code, Some(0), "{out}");
    for flag in [
        "--addr",
        "--data-dir",
        "--database-url",
        "--media-url",
        "--max-upload-mb",
        "--session-idle-secs",
        "--trusted-proxies",
        "--forwarded-header",
        "--max-connections-per-client",
        "--session-max-age-days",
        "--public-origin",
        "--header-timeout-secs",
        "--idle-timeout-secs",
        "--max-connections",
        "--unused-upload-grace-secs",
        "--webhook-allow-private",
        "--webhook-retry-hours",
        "--sqlite-synchronous",
        "--metrics-token",
        "--metrics-allow",
        "--log-format",
        "--max-requests-in-flight",
        "--request-queue-ms",
    ] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
    for variable in ["CONSOLE_ADDR", "DATABASE_URL", "CONSOLE_MEDIA_URL", "CONSOLE_ADMIN_PASSWORD"] {
        assert!(out.contains(variable), "{variable} missing from:\n{out}");
    }
    for subcommand in ["operator", "usersig", "backup", "restore", "compress-chunks"] {
        assert!(out.contains(subcommand), "{subcommand} missing from:\n{out}");
    }
    assert!(!out.contains("s3cret") && !out.contains("hunter2"), "{out}");
}

#[test]
fn a_wrong_flag_or_value_is_refused_with_exit_code_2() {
    let (code, out) = server(&["--no-such-flag"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--no-such-flag"), "{out}");

    let (code, out) = server(&["--max-connections", "many"], &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--max-connections"), "{out}");

    // A bad variable is named as its flag's value, and refused the same way.
    let (code, out) = server(&[], &[("CONSOLE_PUBLIC_ORIGIN", "https://console.example/path")]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--public-origin"), "{out}");

    let (code, out) = server(&["usersig"], &[]);
    assert_eq!(code, Some(2), "a subcommand without its argument: {out}");
}

#[test]
fn backup_then_restore_through_the_binary() {
    let root = std::env::temp_dir().join(format!("console_cli_backup_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (source, target, backup) = (root.join("source"), root.join("target"), root.join("backup"));
    let dir = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let (code, out) = server(&["operator", "add", "jane", "--data-dir", &dir(&source)], &[]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = server(&["backup", "--to", &dir(&backup), "--data-dir", &dir(&source)], &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Backed up") && out.contains("1 operators"), "{out}");
    // Into the same backup again: refused, exit code 1, saying why.
    let (code, out) = server(&["backup", "--to", &dir(&backup), "--data-dir", &dir(&source)], &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not empty"), "{out}");
    let (code, out) = server(&["restore", "--from", &dir(&backup), "--data-dir", &dir(&target)], &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Restored") && out.contains("1 operators"), "{out}");
    let (code, out) = server(&["restore", "--from", &dir(&backup), "--data-dir", &dir(&target)], &[]);
    assert_eq!(code, Some(1), "a second restore finds data: {out}");
    assert!(out.contains("--force"), "{out}");
    let (code, out) = server(&["restore", "--from", &dir(&backup), "--data-dir", &dir(&target), "--force"], &[]);
    assert_eq!(code, Some(0), "{out}");
    let _ = std::fs::remove_dir_all(&root);
}

/// A database URL's secrets (its password, `?password=`, libpq's `?sslpassword=`) are
/// never printed: not by the start-up log, not by sqlx's own warnings, not in the error of
/// a database that cannot be opened, whether the server or a subcommand opens it.
#[test]
fn a_database_url_s_secrets_never_reach_the_output() {
    let data_dir = std::env::temp_dir().join(format!("console-url-secrets-{}", std::process::id()));
    let data_dir_arg = data_dir.display().to_string();
    std::fs::create_dir_all(&data_dir).unwrap();
    let urls = [
        // No server behind the socket: opening fails at once, after the URL was read.
        "postgres://app:s3cret1@localhost/console?host=/nonexistent-console-socket&password=s3cret2&sslpassword=s3cret3&auth_token=s3cret4".to_owned(),
        "mysql://app:s3cret5@db/console?password=s3cret6".to_owned(),
        format!("sqlite://{data_dir_arg}/console.db?password=s3cret7"),
    ];
    for url in &urls {
        for args in [
            &["--data-dir", &data_dir_arg][..],
            &["operator", "add", "jane", "--data-dir", &data_dir_arg],
            &["usersig", "administrator", "--data-dir", &data_dir_arg],
        ] {
            let (code, out) = server(args, &[("DATABASE_URL", url.as_str()), ("RUST_LOG", "trace")]);
            assert_eq!(code, Some(1), "{args:?} {url}: {out}");
            assert!(out.contains("could not open the database"), "{args:?} {url}: {out}");
            assert!(!out.contains("s3cret"), "{args:?} {url}: {out}");
        }
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}
