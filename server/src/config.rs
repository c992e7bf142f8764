//! Configuration from flags, then environment variables, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Runtime configuration (see the README for the variables and flags that set it).
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Where images are stored: `file:///dir` (default `<data-dir>/media`) or
    /// `s3://bucket/prefix`.
    pub media_url: storage::media::MediaUrl,
    pub max_upload_bytes: u64,
    /// Sessions unused for this long end.
    pub session_idle: Duration,
    /// The first operator's password (`CONSOLE_ADMIN_PASSWORD`); generated when unset.
    pub admin_password: Option<String>,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// The origin browsers use (`https://console.example.com`), when a proxy rewrites Host.
    pub public_origin: Option<String>,
    /// Uploads that nothing uses are removed after this long.
    pub unused_upload_grace: Duration,
    /// Header and silence timeouts, and the cap on open connections.
    pub connections: crate::serve::ConnectionLimits,
}

// By hand, so that the admin password never reaches a log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.redacted_database_url())
            .field("media_url", &self.media_url.to_string())
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("session_idle", &self.session_idle)
            .field("admin_password", &self.admin_password.as_ref().map(|_| "(set)"))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_origin", &self.public_origin)
            .field("unused_upload_grace", &self.unused_upload_grace)
            .field("connections", &self.connections)
            .finish()
    }
}

impl Config {
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
    pub const DEFAULT_UNUSED_UPLOAD_GRACE: Duration = Duration::from_secs(24 * 3600);

    /// The database URL without its password, for logs and error messages.
    pub fn redacted_database_url(&self) -> String {
        redact_password(&self.database_url)
    }
}

/// `scheme://user:secret@host/...` as `scheme://user:***@host/...`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

pub const USAGE: &str = "\
Usage: server [--addr HOST:PORT] [--data-dir DIR] [--database-url URL] [--media-url URL] [--max-upload-mb N]
              [--session-idle-secs N] [--trusted-proxies LIST] [--public-origin ORIGIN]
              [--header-timeout-secs N] [--idle-timeout-secs N] [--max-connections N]
              [--unused-upload-grace-secs N]
       server operator add NAME [--password-stdin] [--data-dir DIR] [--database-url URL]
       server operator reset NAME [--password-stdin] [--data-dir DIR] [--database-url URL]
       server usersig IDENTIFIER [--expire SECS] [--data-dir DIR] [--database-url URL]
       server compress-chunks

  --addr           CONSOLE_ADDR (or LEPTOS_SITE_ADDR)   default 127.0.0.1:3000
  --data-dir       CONSOLE_DATA_DIR                     default ./data
  --database-url   DATABASE_URL                         default sqlite://<data-dir>/console.db;
                                                        or postgres://user@host/db
  --media-url      CONSOLE_MEDIA_URL                    default file://<data-dir>/media; or
                                                        s3://bucket/prefix (with AWS_ENDPOINT_URL,
                                                        AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                                                        AWS_REGION)
  --max-upload-mb  CONSOLE_MAX_UPLOAD_MB                default 50
  --session-idle-secs CONSOLE_SESSION_IDLE_SECS         default 28800 (8 hours)
  --trusted-proxies CONSOLE_TRUSTED_PROXIES  addresses/CIDRs whose X-Forwarded-For, Forwarded
                                             and X-Forwarded-Proto are believed (default none)
  --public-origin  CONSOLE_PUBLIC_ORIGIN      e.g. https://console.example.com: what a browser's
                                             Origin must be for a write when a proxy rewrites Host
  --header-timeout-secs CONSOLE_HEADER_TIMEOUT_SECS     default 10: a request's headers must arrive
                                                        within this long (also how long an idle
                                                        kept-alive connection is held)
  --idle-timeout-secs CONSOLE_IDLE_TIMEOUT_SECS         default 60: a connection on which nothing
                                                        moves for this long is closed
  --max-connections CONSOLE_MAX_CONNECTIONS             default 1024: past it, new connections
                                                        get 503 and are closed
  --unused-upload-grace-secs CONSOLE_UNUSED_UPLOAD_GRACE_SECS default 86400 (a day): an
                                                        upload no channel or post uses is
                                                        removed after this long
  CONSOLE_ADMIN_PASSWORD  the password of `admin`, created on first start when there is no
                          operator; unset, a random one is printed once

  `operator add` creates an operator, `operator reset` sets a new password and ends the
  operator's sessions. The password is read from standard input with --password-stdin,
  otherwise generated and printed once.
  `usersig` prints a UserSig for calling the REST API as administrator IDENTIFIER, made with
  the application's current secret key (default validity 86400 seconds).
  `compress-chunks` (the build's last step) compresses the release build's wasm chunks under
  LEPTOS_SITE_ROOT against its main module, for browsers that take dictionary compression.";

pub fn from_args_and_env(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
    default_addr: SocketAddr,
) -> Result<Config, String> {
    let mut flags = std::collections::HashMap::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if !matches!(
            key.as_str(),
            "--addr"
                | "--data-dir"
                | "--database-url"
                | "--media-url"
                | "--max-upload-mb"
                | "--session-idle-secs"
                | "--trusted-proxies"
                | "--public-origin"
                | "--header-timeout-secs"
                | "--idle-timeout-secs"
                | "--max-connections"
                | "--unused-upload-grace-secs"
        ) {
            return Err(format!("unknown argument {key}"));
        }
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or(format!("{key} needs a value"))?,
        };
        flags.insert(key, value);
    }
    let pick = |flag: &str, var: &str| flags.get(flag).cloned().or_else(|| env(var));

    let addr = match pick("--addr", "CONSOLE_ADDR") {
        Some(a) => a.parse().map_err(|e| format!("address {a:?}: {e}"))?,
        None => default_addr,
    };
    let data_dir = PathBuf::from(pick("--data-dir", "CONSOLE_DATA_DIR").unwrap_or("data".into()));
    let database_url = pick("--database-url", "DATABASE_URL")
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("console.db").display()));
    let media_url = match pick("--media-url", "CONSOLE_MEDIA_URL").filter(|u| !u.is_empty()) {
        Some(url) => storage::media::MediaUrl::parse(&url)?,
        None => storage::media::MediaUrl::File(data_dir.join("media")),
    };
    let max_upload_bytes = match pick("--max-upload-mb", "CONSOLE_MAX_UPLOAD_MB") {
        Some(mb) => {
            mb.parse::<u64>()
                .ok()
                .filter(|mb| *mb > 0)
                .ok_or(format!("upload cap {mb:?} is not a positive whole number of MB"))?
                * 1024
                * 1024
        }
        None => Config::DEFAULT_MAX_UPLOAD_BYTES,
    };
    let positive = |flag: &str, var: &str, what: &str| -> Result<Option<u64>, String> {
        match pick(flag, var) {
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(format!("{what} {raw:?} is not a positive whole number")),
            },
            None => Ok(None),
        }
    };
    let session_idle = positive("--session-idle-secs", "CONSOLE_SESSION_IDLE_SECS", "session idle time (seconds)")?
        .map_or(storage::auth::Auth::DEFAULT_IDLE, Duration::from_secs);
    let unused_upload_grace = positive(
        "--unused-upload-grace-secs",
        "CONSOLE_UNUSED_UPLOAD_GRACE_SECS",
        "grace for unused uploads (seconds)",
    )?
    .map_or(Config::DEFAULT_UNUSED_UPLOAD_GRACE, Duration::from_secs);
    let defaults = crate::serve::ConnectionLimits::default();
    let connections = crate::serve::ConnectionLimits {
        header_timeout: positive("--header-timeout-secs", "CONSOLE_HEADER_TIMEOUT_SECS", "header timeout (seconds)")?
            .map_or(defaults.header_timeout, Duration::from_secs),
        idle_timeout: positive("--idle-timeout-secs", "CONSOLE_IDLE_TIMEOUT_SECS", "idle timeout (seconds)")?
            .map_or(defaults.idle_timeout, Duration::from_secs),
        max_connections: positive("--max-connections", "CONSOLE_MAX_CONNECTIONS", "connection cap")?
            .map_or(defaults.max_connections, |n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let admin_password = env("CONSOLE_ADMIN_PASSWORD").filter(|p| !p.is_empty());
    let trusted_proxies = crate::forwarded::TrustedProxies::parse(
        &pick("--trusted-proxies", "CONSOLE_TRUSTED_PROXIES").unwrap_or_default(),
    )?;
    let public_origin = match pick("--public-origin", "CONSOLE_PUBLIC_ORIGIN").filter(|o| !o.is_empty()) {
        Some(origin) => Some(parse_origin(&origin)?),
        None => None,
    };
    Ok(Config {
        addr,
        data_dir,
        database_url,
        media_url,
        max_upload_bytes,
        session_idle,
        admin_password,
        trusted_proxies,
        public_origin,
        unused_upload_grace,
        connections,
    })
}

/// An origin as browsers send it: `http(s)://host[:port]`, no path, no trailing slash.
fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let ok = origin.split_once("://").is_some_and(|(scheme, authority)| {
        matches!(scheme, "http" | "https") && !authority.is_empty() && !authority.contains('/')
    });
    if ok {
        Ok(origin)
    } else {
        Err(format!("public origin {raw:?} must look like https://console.example.com"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_addr() -> SocketAddr {
        "127.0.0.1:3000".parse().unwrap()
    }

    #[test]
    fn defaults() {
        let c = from_args_and_env(vec![], |_| None, default_addr()).unwrap();
        assert_eq!(c.addr, default_addr());
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.database_url, "sqlite://data/console.db");
        assert_eq!(c.media_url, storage::media::MediaUrl::File("data/media".into()));
        assert_eq!(c.max_upload_bytes, 50 * 1024 * 1024);
        assert_eq!(c.session_idle, std::time::Duration::from_secs(8 * 3600));
        assert_eq!(c.admin_password, None);
        assert_eq!(c.connections, crate::serve::ConnectionLimits::default());
    }

    #[test]
    fn flags_win_over_environment() {
        let env = |k: &str| match k {
            "CONSOLE_DATA_DIR" => Some("/srv/console".to_owned()),
            "CONSOLE_MAX_UPLOAD_MB" => Some("5".to_owned()),
            _ => None,
        };
        let args = ["--data-dir=/tmp/x", "--addr", "0.0.0.0:8080"].map(String::from);
        let c = from_args_and_env(args, env, default_addr()).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url, "sqlite:///tmp/x/console.db");
        assert_eq!(c.addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.max_upload_bytes, 5 * 1024 * 1024);
    }

    #[test]
    fn proxies_and_origin() {
        let args = ["--trusted-proxies", "10.0.0.0/8,::1", "--public-origin", "HTTPS://Console.Example.com/"];
        let c = from_args_and_env(args.map(String::from), |_| None, default_addr()).unwrap();
        assert!(c.trusted_proxies.contains("10.2.3.4".parse().unwrap()));
        assert_eq!(c.public_origin.as_deref(), Some("https://console.example.com"));
        let env = |k: &str| (k == "CONSOLE_MEDIA_URL").then(|| "s3://console/media".to_owned());
        let c = from_args_and_env(vec![], env, default_addr()).unwrap();
        assert_eq!(c.media_url, storage::media::MediaUrl::S3 { bucket: "console".into(), prefix: "media".into() });
    }

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db.internal/console"),
            "postgres://app:***@db.internal/console"
        );
        assert_eq!(
            redact_password("postgres://app@localhost/console?host=/run"),
            "postgres://app@localhost/console?host=/run"
        );
        assert_eq!(redact_password("sqlite://data/console.db"), "sqlite://data/console.db");
    }

    #[test]
    fn bad_values_are_reported() {
        let bad = |args: &[&str]| {
            from_args_and_env(args.iter().map(|s| s.to_string()), |_| None, default_addr()).unwrap_err()
        };
        assert!(bad(&["--max-upload-mb", "0"]).contains("upload cap"));
        assert!(bad(&["--addr", "nowhere"]).contains("address"));
        assert!(bad(&["--verbose"]).contains("unknown argument"));
        assert!(bad(&["--max-connections", "-1"]).contains("connection cap"));
        assert!(bad(&["--header-timeout-secs", "0"]).contains("header timeout"));
        assert!(bad(&["--addr"]).contains("needs a value"));
        assert!(bad(&["--session-idle-secs", "soon"]).contains("session idle"));
        assert!(bad(&["--trusted-proxies", "10.0.0.0/40"]).contains("prefix length"));
        assert!(bad(&["--public-origin", "console.example.com/path"]).contains("public origin"));
    }
}
