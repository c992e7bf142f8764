//! The command line (clap): flags, then environment variables, then defaults; the
//! subcommands; and the `Config` the rest of the server reads.
//!
//! A wrong flag or a bad value is answered by clap, naming the flag, with exit code 2;
//! `--help` is clap's, from the doc comments below.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use storage::media::MediaUrl;

use crate::forwarded::{ForwardedHeader, TrustedProxies};
use crate::serve::ConnectionLimits;

/// Runtime configuration (see the README for the variables and flags that set it).
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Where images are stored: `file:///dir` (default `<data-dir>/media`) or
    /// `s3://bucket/prefix`.
    pub media_url: MediaUrl,
    pub max_upload_bytes: u64,
    /// Sessions unused for this long end.
    pub session_idle: Duration,
    /// The first operator's password (`CONSOLE_ADMIN_PASSWORD`); generated when unset.
    pub admin_password: Option<String>,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: TrustedProxies,
    /// The origin browsers use (`https://console.example.com`), when a proxy rewrites Host.
    pub public_origin: Option<String>,
    /// The one forwarding header the trusted proxies write (the other is never believed).
    pub forwarded_header: ForwardedHeader,
    /// Connections open at once from one client address (trusted proxies excepted).
    pub max_connections_per_client: usize,
    /// A session ends this long after signing in, however much it is used.
    pub session_max_age: Duration,
    /// Uploads that nothing uses are removed after this long.
    pub unused_upload_grace: Duration,
    /// Header and silence timeouts, and the cap on open connections.
    pub connections: ConnectionLimits,
    /// Whether webhook URLs may name loopback, private and link-local addresses.
    pub webhook_allow_private: bool,
    /// How long a failing webhook delivery is retried.
    pub webhook_retry_for: Duration,
    /// Whether a SQLite commit is on disk when acknowledged.
    pub durability: storage::Durability,
    /// Who may read `/metrics`.
    pub metrics: crate::metrics::MetricsAccess,
    /// Plain text or JSON log lines.
    pub log_format: LogFormat,
    /// Requests of each kind served at once, and how long one waits for a turn.
    pub shed: crate::shed::ShedLimits,
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
            .field("forwarded_header", &self.forwarded_header)
            .field("max_connections_per_client", &self.max_connections_per_client)
            .field("session_max_age", &self.session_max_age)
            .field("unused_upload_grace", &self.unused_upload_grace)
            .field("connections", &self.connections)
            .field("webhook_allow_private", &self.webhook_allow_private)
            .field("webhook_retry_for", &self.webhook_retry_for)
            .field("durability", &self.durability)
            .field("metrics_token", &self.metrics.token.as_ref().map(|_| "(set)"))
            .field("metrics_allow", &self.metrics.allow)
            .field("log_format", &self.log_format)
            .field("shed", &self.shed)
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

/// `scheme://user:secret@host/...?password=secret` as `scheme://user:***@host/...?password=***`
/// (sqlx takes a password in either place; `sslpassword` and other parameters named like a
/// secret are masked too); any other URL as it is.
fn redact_password(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        // Not a URL the url crate reads (it reads every postgres:// one sqlx does): shown
        // only when it cannot hold a password.
        return if raw.contains('@') || secret_parameter(raw) { UNSHOWN_URL.to_owned() } else { raw.to_owned() };
    };
    // A password the parser did not find where it looks (say, a '#' in it cut the URL
    // short): nothing is shown rather than a piece of it.
    if raw.contains('@') && url.username().is_empty() && url.password().is_none() {
        return UNSHOWN_URL.to_owned();
    }
    if url.password().is_some() && url.set_password(Some("***")).is_err() {
        return UNSHOWN_URL.to_owned();
    }
    if url.query_pairs().any(|(k, _)| secret_parameter(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret_parameter(&k) { "***".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Whether a URL parameter's name (or a whole text) speaks of a secret: `password`,
/// `sslpassword`, `secret`, `token`, in any case.
fn secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "secret", "token"].iter().any(|word| name.contains(word))
}

const UNSHOWN_URL: &str = "(a database URL that is not shown, as it may hold a password)";

/// Shown after the flags in `server --help`.
const AFTER_HELP: &str = "\
Flags win over environment variables, which win over the defaults.

Environment variables without a flag:
  CONSOLE_ADMIN_PASSWORD  the password of `admin`, created on first start when there is no
                          operator; unset, a random one is printed once
  AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
                          the bucket of an s3:// media URL
  LEPTOS_SITE_ADDR        the address to listen on when neither --addr nor CONSOLE_ADDR is given
  LEPTOS_SITE_ROOT        where the built wasm, JS and CSS are (default target/site)
  RUST_LOG                log filter (default info)";

/// The Channel Console server: with no subcommand, serves the console.
#[derive(Debug, Parser)]
#[command(name = "server", after_help = AFTER_HELP, args_conflicts_with_subcommands = true, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add an operator or reset one's password, from the machine the server runs on
    #[command(subcommand)]
    Operator(crate::operator_command::Command),
    /// Print a UserSig for calling the REST API as administrator IDENTIFIER
    Usersig(crate::usersig_command::Command),
    /// Back up the database and its images into a new directory, while the console serves
    Backup(crate::backup_command::Backup),
    /// Restore a backup into the configured database and media store (either engine)
    Restore(crate::backup_command::Restore),
    /// Compress the release build's wasm chunks under LEPTOS_SITE_ROOT against its main
    /// module, for browsers that take dictionary compression (the build's last step)
    CompressChunks,
}

/// The server's flags, which `operator` and `usersig` take too (for the database location).
#[derive(Clone, Debug, Args)]
pub struct ServerArgs {
    /// Address to listen on [default: LEPTOS_SITE_ADDR, else 127.0.0.1:3000]
    #[arg(long, env = "CONSOLE_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// The SQLite database and images by default; temporary upload files always
    #[arg(long, env = "CONSOLE_DATA_DIR", value_name = "DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// sqlite://FILE (created if missing) or postgres://user@host/db (also postgresql://; a
    /// Unix socket with ?host=/socket/dir) [default: sqlite://<data-dir>/console.db]
    // The value is not shown in --help (it may hold a password), and not validated here:
    // an error message from clap would print it whole.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true, value_parser = database_url)]
    pub database_url: Option<DatabaseUrl>,
    /// file:///dir, or s3://bucket/prefix (an S3-compatible bucket, named by the AWS_*
    /// variables) [default: file://<data-dir>/media]
    #[arg(long, env = "CONSOLE_MEDIA_URL", value_name = "URL", value_parser = empty_is_unset(MediaUrl::parse))]
    pub media_url: Option<EmptyIsUnset<MediaUrl>>,
    /// Safety cap on one uploaded image, in MB
    #[arg(long, env = "CONSOLE_MAX_UPLOAD_MB", value_name = "MB", value_parser = positive,
          default_value_t = Config::DEFAULT_MAX_UPLOAD_BYTES / (1024 * 1024))]
    pub max_upload_mb: u64,
    /// A session unused this long ends
    #[arg(long, env = "CONSOLE_SESSION_IDLE_SECS", value_name = "SECS", value_parser = positive,
          default_value_t = storage::auth::Auth::DEFAULT_IDLE.as_secs())]
    pub session_idle_secs: u64,
    /// Addresses or CIDRs (10.0.0.0/8,::1) whose Forwarded, X-Forwarded-For and
    /// X-Forwarded-Proto are believed [default: none]
    #[arg(long, env = "CONSOLE_TRUSTED_PROXIES", value_name = "LIST", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: Option<TrustedProxies>,
    /// The origin a browser's writes must come from, when a proxy rewrites Host, e.g.
    /// https://console.example.com [default: the request's Host]
    #[arg(long, env = "CONSOLE_PUBLIC_ORIGIN", value_name = "ORIGIN", value_parser = empty_is_unset(public_origin))]
    pub public_origin: Option<EmptyIsUnset<String>>,
    /// The forwarding header the trusted proxies write, the only one believed:
    /// x-forwarded-for (with X-Forwarded-Proto) or forwarded
    #[arg(long, env = "CONSOLE_FORWARDED_HEADER", value_name = "HEADER", value_parser = ForwardedHeader::parse,
          default_value = "x-forwarded-for")]
    pub forwarded_header: ForwardedHeader,
    /// Connections open at once from one client address (trusted proxies excepted); past
    /// it, its new connections get 503 and are closed
    #[arg(long, env = "CONSOLE_MAX_CONNECTIONS_PER_CLIENT", value_name = "N", value_parser = positive,
          default_value_t = crate::serve::PerClient::DEFAULT_MAX as u64)]
    pub max_connections_per_client: u64,
    /// A session ends this many days after signing in, however much it is used
    #[arg(long, env = "CONSOLE_SESSION_MAX_AGE_DAYS", value_name = "DAYS", value_parser = positive,
          default_value_t = storage::auth::SessionLimits::default().max_age.as_secs() / 86_400)]
    pub session_max_age_days: u64,
    /// A request's headers must arrive within this long (also how long an idle kept-alive
    /// connection is held)
    #[arg(long, env = "CONSOLE_HEADER_TIMEOUT_SECS", value_name = "SECS", value_parser = positive,
          default_value_t = ConnectionLimits::default().header_timeout.as_secs())]
    pub header_timeout_secs: u64,
    /// A connection on which nothing moves for this long is closed
    #[arg(long, env = "CONSOLE_IDLE_TIMEOUT_SECS", value_name = "SECS", value_parser = positive,
          default_value_t = ConnectionLimits::default().idle_timeout.as_secs())]
    pub idle_timeout_secs: u64,
    /// Connections open at once; past it, new connections get 503 and are closed
    #[arg(long, env = "CONSOLE_MAX_CONNECTIONS", value_name = "N", value_parser = positive,
          default_value_t = ConnectionLimits::default().max_connections as u64)]
    pub max_connections: u64,
    /// An upload no channel or post uses is removed after this long
    #[arg(long, env = "CONSOLE_UNUSED_UPLOAD_GRACE_SECS", value_name = "SECS", value_parser = positive,
          default_value_t = Config::DEFAULT_UNUSED_UPLOAD_GRACE.as_secs())]
    pub unused_upload_grace_secs: u64,
    /// Allow webhook URLs on loopback, private and link-local addresses (tests, private
    /// networks)
    #[arg(long, env = "CONSOLE_WEBHOOK_ALLOW_PRIVATE", value_name = "BOOL", num_args = 0..=1,
          default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// A failing webhook delivery is retried for this long, then marked failed
    #[arg(long, env = "CONSOLE_WEBHOOK_RETRY_HOURS", value_name = "HOURS", value_parser = positive,
          default_value_t = 24)]
    pub webhook_retry_hours: u64,
    /// full: a SQLite commit is on disk when acknowledged; normal: faster, but the last
    /// commits before a power cut or an OS crash may be lost
    #[arg(long, env = "CONSOLE_SQLITE_SYNCHRONOUS", value_name = "MODE", value_enum, default_value_t = Synchronous::Full)]
    pub sqlite_synchronous: Synchronous,
    /// A bearer token that may read /metrics (prefer the variable: flags show in `ps`)
    #[arg(long, env = "CONSOLE_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Addresses or CIDRs that may read /metrics without the token [default: none]
    #[arg(long, env = "CONSOLE_METRICS_ALLOW", value_name = "LIST", value_parser = TrustedProxies::parse)]
    pub metrics_allow: Option<TrustedProxies>,
    /// Log lines as plain text or as JSON objects (one per line)
    #[arg(long, env = "CONSOLE_LOG_FORMAT", value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Requests of one kind (REST API, console) served at once; past it they wait
    /// --request-queue-ms for a turn, then are answered 503 with Retry-After
    #[arg(long, env = "CONSOLE_MAX_REQUESTS_IN_FLIGHT", value_name = "N", value_parser = positive,
          default_value_t = crate::shed::ShedLimits::default().max_in_flight as u64)]
    pub max_requests_in_flight: u64,
    /// How long a request may wait for a turn before it is answered 503
    #[arg(long, env = "CONSOLE_REQUEST_QUEUE_MS", value_name = "MS",
          default_value_t = crate::shed::ShedLimits::default().queue.as_millis() as u64)]
    pub request_queue_ms: u64,
}

/// `--sqlite-synchronous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Synchronous {
    Full,
    Normal,
}

/// `--log-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A database URL, which `Debug` shows without its password.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&redact_password(&self.0)).finish()
    }
}

fn database_url(raw: &str) -> Result<DatabaseUrl, std::convert::Infallible> {
    Ok(DatabaseUrl(raw.to_owned()))
}

/// A value given empty means the default (`CONSOLE_MEDIA_URL=` in an environment file), as
/// it always has: clap hands an empty variable to the value parser like any other value.
#[derive(Clone, Debug)]
pub struct EmptyIsUnset<T>(pub Option<T>);

fn empty_is_unset<T: 'static>(
    parse: fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<EmptyIsUnset<T>, String> + Clone + Send + Sync + 'static {
    move |raw: &str| if raw.is_empty() { Ok(EmptyIsUnset(None)) } else { parse(raw).map(|v| EmptyIsUnset(Some(v))) }
}

fn positive(raw: &str) -> Result<u64, String> {
    raw.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| "must be a positive whole number".to_owned())
}

/// An origin as browsers send it: `http(s)://host[:port]`, no path, query or user. Returned
/// as browsers serialise it (lower case, an IDN host in punycode, no default port).
fn public_origin(raw: &str) -> Result<String, String> {
    const EXPECTED: &str = "expected an origin such as https://console.example.com";
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("{e}: {EXPECTED}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("not an http or https URL with a host: {EXPECTED}"));
    }
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !bare {
        return Err(format!("a path, query or user is not part of an origin: {EXPECTED}"));
    }
    Ok(url.origin().ascii_serialization())
}

impl Cli {
    /// Parses `argv` (the program's name first) as `main` does, but with the variables
    /// `env` gives instead of the process's.
    ///
    /// clap reads variables from the process environment when the command is built. Tests
    /// must not change that environment (it is shared by the test threads, and a developer's
    /// `DATABASE_URL` must not leak in), so here every argument that has a variable forgets
    /// it, and the value `env` gives for it, if any, becomes the argument's default instead.
    /// That is the same precedence (a flag still wins; an absent variable leaves the
    /// built-in default), and the value goes through the same value parser, so an
    /// error names the flag as it does for a variable. `main` uses clap's own reading
    /// (`Cli::parse`), which also shows the variables in `--help`.
    pub fn try_parse_with_env<I, T>(argv: I, env: impl Fn(&str) -> Option<String>) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        fn from(command: clap::Command, env: &dyn Fn(&str) -> Option<String>) -> clap::Command {
            command
                .mut_args(|arg| {
                    let Some(name) = arg.get_env().and_then(|name| name.to_str()).map(str::to_owned) else {
                        return arg;
                    };
                    let arg = arg.env(None::<&'static str>);
                    match env(&name) {
                        Some(value) => arg.default_value(value),
                        None => arg,
                    }
                })
                .mut_subcommands(|sub| from(sub, env))
        }
        let matches = from(Cli::command(), &env).try_get_matches_from(argv)?;
        Cli::from_arg_matches(&matches)
    }

    /// The server flags of whatever runs: the subcommand's, or the server's own.
    pub fn server_args(&self) -> &ServerArgs {
        match &self.command {
            Some(Command::Operator(command)) => command.server_args(),
            Some(Command::Usersig(command)) => &command.server,
            Some(Command::Backup(command)) => &command.server,
            Some(Command::Restore(command)) => &command.server,
            Some(Command::CompressChunks) | None => &self.server,
        }
    }
}

impl ServerArgs {
    /// The configuration, with the address when no flag or variable gives one (Leptos's
    /// `site-addr`) and the first operator's password (`CONSOLE_ADMIN_PASSWORD`).
    pub fn to_config(&self, default_addr: SocketAddr, admin_password: Option<String>) -> Config {
        let data_dir = self.data_dir.clone();
        let database_url = match &self.database_url {
            Some(DatabaseUrl(url)) => url.clone(),
            None => format!("sqlite://{}", data_dir.join("console.db").display()),
        };
        let media_url = match self.media_url.as_ref().and_then(|m| m.0.clone()) {
            Some(url) => url,
            None => MediaUrl::File(data_dir.join("media")),
        };
        Config {
            addr: self.addr.unwrap_or(default_addr),
            database_url,
            media_url,
            max_upload_bytes: self.max_upload_mb.saturating_mul(1024 * 1024),
            session_idle: Duration::from_secs(self.session_idle_secs),
            admin_password: admin_password.filter(|p| !p.is_empty()),
            trusted_proxies: self.trusted_proxies.clone().unwrap_or_default(),
            public_origin: self.public_origin.as_ref().and_then(|o| o.0.clone()),
            forwarded_header: self.forwarded_header,
            max_connections_per_client: usize::try_from(self.max_connections_per_client).unwrap_or(usize::MAX),
            session_max_age: Duration::from_secs(self.session_max_age_days.saturating_mul(86_400)),
            unused_upload_grace: Duration::from_secs(self.unused_upload_grace_secs),
            connections: ConnectionLimits {
                header_timeout: Duration::from_secs(self.header_timeout_secs),
                idle_timeout: Duration::from_secs(self.idle_timeout_secs),
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            },
            webhook_allow_private: self.webhook_allow_private,
            webhook_retry_for: Duration::from_secs(self.webhook_retry_hours.saturating_mul(3600)),
            durability: match self.sqlite_synchronous {
                Synchronous::Full => storage::Durability::Full,
                Synchronous::Normal => storage::Durability::Normal,
            },
            metrics: crate::metrics::MetricsAccess {
                token: self.metrics_token.clone().filter(|t| !t.is_empty()),
                allow: self.metrics_allow.clone().unwrap_or_default(),
            },
            log_format: self.log_format,
            shed: crate::shed::ShedLimits {
                max_in_flight: usize::try_from(self.max_requests_in_flight).unwrap_or(usize::MAX),
                queue: Duration::from_millis(self.request_queue_ms),
            },
            data_dir,
        }
    }
}

/// The configuration from the server's flags `args` (without the program's name) and the
/// variables `env` gives (see `Cli::try_parse_with_env`), for tests.
pub fn from_args_and_env(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
    default_addr: SocketAddr,
) -> Result<Config, clap::Error> {
    let argv = std::iter::once("server".to_owned()).chain(args);
    let cli = Cli::try_parse_with_env(argv, &env)?;
    Ok(cli.server_args().to_config(default_addr, env("CONSOLE_ADMIN_PASSWORD")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn default_addr() -> SocketAddr {
        "127.0.0.1:3000".parse().unwrap()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn config(args: &[&str], env: impl Fn(&str) -> Option<String>) -> Result<Config, clap::Error> {
        from_args_and_env(args.iter().map(|s| s.to_string()), env, default_addr())
    }

    fn cli(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_with_env(std::iter::once("server").chain(args.iter().copied()), no_env)
    }

    fn error_kind(args: &[&str]) -> ErrorKind {
        cli(args).unwrap_err().kind()
    }

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let c = config(&[], no_env).unwrap();
        assert_eq!(c.addr, default_addr());
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.database_url, "sqlite://data/console.db");
        assert_eq!(c.media_url, MediaUrl::File("data/media".into()));
        assert_eq!(c.max_upload_bytes, 50 * 1024 * 1024);
        assert_eq!(c.max_upload_bytes, Config::DEFAULT_MAX_UPLOAD_BYTES);
        assert_eq!(c.session_idle, Duration::from_secs(8 * 3600));
        assert_eq!(c.admin_password, None);
        assert_eq!(c.trusted_proxies, TrustedProxies::default());
        assert_eq!(c.public_origin, None);
        assert_eq!(c.unused_upload_grace, Duration::from_secs(86_400));
        assert_eq!(c.connections, ConnectionLimits::default());
        assert_eq!(c.durability, storage::Durability::Full, "durable unless told otherwise");
        assert_eq!(c.metrics.token, None);
        assert_eq!(c.metrics.allow, TrustedProxies::default());
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.shed, crate::shed::ShedLimits::default());
        assert!(cli(&[]).unwrap().command.is_none());
    }

    #[test]
    fn every_flag_has_its_variable() {
        let command = Cli::command();
        let vars: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|a| Some((a.get_long()?.to_owned(), a.get_env()?.to_str()?.to_owned())))
            .collect();
        let expected = [
            ("addr", "CONSOLE_ADDR"),
            ("data-dir", "CONSOLE_DATA_DIR"),
            ("database-url", "DATABASE_URL"),
            ("media-url", "CONSOLE_MEDIA_URL"),
            ("max-upload-mb", "CONSOLE_MAX_UPLOAD_MB"),
            ("session-idle-secs", "CONSOLE_SESSION_IDLE_SECS"),
            ("trusted-proxies", "CONSOLE_TRUSTED_PROXIES"),
            ("public-origin", "CONSOLE_PUBLIC_ORIGIN"),
            ("forwarded-header", "CONSOLE_FORWARDED_HEADER"),
            ("max-connections-per-client", "CONSOLE_MAX_CONNECTIONS_PER_CLIENT"),
            ("session-max-age-days", "CONSOLE_SESSION_MAX_AGE_DAYS"),
            ("header-timeout-secs", "CONSOLE_HEADER_TIMEOUT_SECS"),
            ("idle-timeout-secs", "CONSOLE_IDLE_TIMEOUT_SECS"),
            ("max-connections", "CONSOLE_MAX_CONNECTIONS"),
            ("unused-upload-grace-secs", "CONSOLE_UNUSED_UPLOAD_GRACE_SECS"),
            ("webhook-allow-private", "CONSOLE_WEBHOOK_ALLOW_PRIVATE"),
            ("webhook-retry-hours", "CONSOLE_WEBHOOK_RETRY_HOURS"),
            ("sqlite-synchronous", "CONSOLE_SQLITE_SYNCHRONOUS"),
            ("metrics-token", "CONSOLE_METRICS_TOKEN"),
            ("metrics-allow", "CONSOLE_METRICS_ALLOW"),
            ("log-format", "CONSOLE_LOG_FORMAT"),
            ("max-requests-in-flight", "CONSOLE_MAX_REQUESTS_IN_FLIGHT"),
            ("request-queue-ms", "CONSOLE_REQUEST_QUEUE_MS"),
        ]
        .map(|(flag, var)| (flag.to_owned(), var.to_owned()));
        assert_eq!(vars, expected);
    }

    #[test]
    fn variables_are_used_when_the_flag_is_absent() {
        let env = |k: &str| {
            match k {
                "CONSOLE_ADDR" => Some("0.0.0.0:8080"),
                "CONSOLE_DATA_DIR" => Some("/srv/console"),
                "CONSOLE_MAX_UPLOAD_MB" => Some("5"),
                "CONSOLE_SESSION_IDLE_SECS" => Some("60"),
                "CONSOLE_MAX_CONNECTIONS" => Some("7"),
                "CONSOLE_ADMIN_PASSWORD" => Some("correct horse battery"),
                "CONSOLE_MEDIA_URL" => Some("s3://console/media"),
                "CONSOLE_PUBLIC_ORIGIN" => Some("https://console.example.com"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = config(&[], env).unwrap();
        assert_eq!(c.addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.data_dir, PathBuf::from("/srv/console"));
        assert_eq!(c.database_url, "sqlite:///srv/console/console.db");
        assert_eq!(c.max_upload_bytes, 5 * 1024 * 1024);
        assert_eq!(c.session_idle, Duration::from_secs(60));
        assert_eq!(c.connections.max_connections, 7);
        assert_eq!(c.admin_password.as_deref(), Some("correct horse battery"));
        assert_eq!(c.media_url, MediaUrl::S3 { bucket: "console".into(), prefix: "media".into() });
        assert_eq!(c.public_origin.as_deref(), Some("https://console.example.com"));
    }

    #[test]
    fn flags_win_over_environment() {
        let env = |k: &str| match k {
            "CONSOLE_DATA_DIR" => Some("/srv/console".to_owned()),
            "CONSOLE_MAX_UPLOAD_MB" => Some("5".to_owned()),
            "CONSOLE_ADDR" => Some("10.0.0.1:80".to_owned()),
            _ => None,
        };
        let c = config(&["--data-dir=/tmp/x", "--addr", "0.0.0.0:8080"], env).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.database_url, "sqlite:///tmp/x/console.db");
        assert_eq!(c.addr, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.max_upload_bytes, 5 * 1024 * 1024, "the variable, as there is no flag");
    }

    #[test]
    fn empty_variables_mean_the_default() {
        let env = |k: &str| {
            matches!(
                k,
                "CONSOLE_MEDIA_URL" | "CONSOLE_PUBLIC_ORIGIN" | "CONSOLE_TRUSTED_PROXIES" | "CONSOLE_ADMIN_PASSWORD"
            )
            .then(String::new)
        };
        let c = config(&[], env).unwrap();
        assert_eq!(c.media_url, MediaUrl::File("data/media".into()));
        assert_eq!(c.public_origin, None);
        assert_eq!(c.trusted_proxies, TrustedProxies::default());
        assert_eq!(c.admin_password, None);
    }

    #[test]
    fn proxies_and_origin() {
        let args = ["--trusted-proxies", "10.0.0.0/8,::1", "--public-origin", "HTTPS://Console.Example.com/"];
        let c = config(&args, no_env).unwrap();
        assert!(c.trusted_proxies.contains("10.2.3.4".parse().unwrap()));
        assert_eq!(c.public_origin.as_deref(), Some("https://console.example.com"));
        let origin = |o: &str| config(&["--public-origin", o], no_env).map(|c| c.public_origin.unwrap());
        assert_eq!(origin("https://console.example.com:443").unwrap(), "https://console.example.com");
        assert_eq!(origin("http://127.0.0.1:3000").unwrap(), "http://127.0.0.1:3000");
        assert_eq!(origin("https://bücher.example").unwrap(), "https://xn--bcher-kva.example");
        for bad in ["console.example.com", "https://console.example.com/path", "ftp://console.example.com"] {
            assert_eq!(origin(bad).unwrap_err().kind(), ErrorKind::ValueValidation, "{bad}");
        }
        for bad in ["https://x.example/?q", "https://x.example/#top", "https://user@x.example", "https://"] {
            assert_eq!(origin(bad).unwrap_err().kind(), ErrorKind::ValueValidation, "{bad}");
        }
        let c = config(&["--media-url", "file:///srv/media"], no_env).unwrap();
        assert_eq!(c.media_url, MediaUrl::File("/srv/media".into()));
    }

    #[test]
    fn forwarded_header_per_client_cap_and_session_lifetime() {
        let c = config(&[], no_env).unwrap();
        assert_eq!(c.forwarded_header, ForwardedHeader::XForwardedFor);
        assert_eq!(c.max_connections_per_client, 64);
        assert_eq!(c.session_max_age, Duration::from_secs(30 * 86_400));
        let env = |k: &str| {
            match k {
                "CONSOLE_FORWARDED_HEADER" => Some("Forwarded"),
                "CONSOLE_MAX_CONNECTIONS_PER_CLIENT" => Some("8"),
                "CONSOLE_SESSION_MAX_AGE_DAYS" => Some("7"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = config(&[], env).unwrap();
        assert_eq!(c.forwarded_header, ForwardedHeader::Forwarded);
        assert_eq!(c.max_connections_per_client, 8);
        assert_eq!(c.session_max_age, Duration::from_secs(7 * 86_400));
        let c = config(&["--forwarded-header", "x-forwarded-for"], env).unwrap();
        assert_eq!(c.forwarded_header, ForwardedHeader::XForwardedFor);
        for bad in [
            &["--forwarded-header", "x-real-ip"][..],
            &["--max-connections-per-client", "0"],
            &["--session-max-age-days", "0"],
        ] {
            assert_eq!(error_kind(bad), ErrorKind::ValueValidation, "{bad:?}");
        }
    }

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_password("postgres://app:s3cret@db.internal/console"),
            "postgres://app:***@db.internal/console"
        );
        assert_eq!(
            redact_password("postgres://app:s3cret@db.internal:5433/console?sslmode=require"),
            "postgres://app:***@db.internal:5433/console?sslmode=require"
        );
        assert_eq!(
            redact_password("postgres://app@localhost/console?host=/run"),
            "postgres://app@localhost/console?host=/run"
        );
        assert_eq!(redact_password("sqlite://data/console.db"), "sqlite://data/console.db");
        assert_eq!(redact_password("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(redact_password("postgres://app:s3cret@db:99999/console"), UNSHOWN_URL);
        // sqlx also takes the password as a parameter.
        let redacted = redact_password("postgres://app@db/console?password=s3cret&sslmode=require");
        assert_eq!(redacted, "postgres://app@db/console?password=***&sslmode=require");
        // And libpq's key passphrase, and anything else named like a secret.
        let redacted =
            redact_password("postgres://app@db/console?sslpassword=s3cret&PassWord=s3cret&auth_token=s3cret");
        assert!(!redacted.contains("s3cret"), "{redacted}");
        assert_eq!(redact_password("postgres://[db/?sslpassword=s3cret"), UNSHOWN_URL);
        // A '#' in the password ends the URL early for a parser: nothing of it is shown.
        assert_eq!(redact_password("postgres://app:12#x@db/console"), UNSHOWN_URL);

        let env = |k: &str| (k == "DATABASE_URL").then(|| "postgres://app:s3cret@db/console".to_owned());
        let c = config(&[], env).unwrap();
        assert!(!format!("{c:?}").contains("s3cret"), "{c:?}");
        let c = config(&["--database-url", "postgres://app:s3cret@db/console"], |k| {
            (k == "CONSOLE_ADMIN_PASSWORD").then(|| "hunter2 hunter2".to_owned())
        })
        .unwrap();
        assert_eq!(c.database_url, "postgres://app:s3cret@db/console", "the real URL is kept");
        assert!(!format!("{c:?}").contains("s3cret") && !format!("{c:?}").contains("hunter2"), "{c:?}");
        let parsed = cli(&["--database-url", "postgres://app:s3cret@db/console"]).unwrap();
        assert!(!format!("{parsed:?}").contains("s3cret"), "{parsed:?}");
    }

    #[test]
    fn help_is_clap_s() {
        for args in [&["--help"][..], &["-h"], &["operator", "add", "--help"], &["usersig", "--help"]] {
            assert_eq!(error_kind(args), ErrorKind::DisplayHelp, "{args:?}");
        }
        let err = cli(&["--help"]).unwrap_err();
        assert_eq!(err.exit_code(), 0);
        let help = err.to_string();
        for flag in ["--addr", "--data-dir", "--database-url", "--unused-upload-grace-secs", "CONSOLE_ADMIN_PASSWORD"] {
            assert!(help.contains(flag), "{flag} in {help}");
        }
        for command in ["operator", "usersig", "backup", "restore", "compress-chunks"] {
            assert!(help.contains(command), "{command} in {help}");
        }
    }

    #[test]
    fn bad_flags_and_values_are_clap_errors() {
        assert_eq!(error_kind(&["--verbose"]), ErrorKind::UnknownArgument);
        assert_eq!(error_kind(&["--addr"]), ErrorKind::InvalidValue);
        assert_eq!(error_kind(&["stray"]), ErrorKind::InvalidSubcommand);
        for args in [
            &["--max-upload-mb", "0"][..],
            &["--addr", "nowhere"],
            &["--max-connections=-1"],
            &["--header-timeout-secs", "0"],
            &["--session-idle-secs", "soon"],
            &["--trusted-proxies", "10.0.0.0/40"],
            &["--public-origin", "console.example.com/path"],
            &["--media-url", "ftp://elsewhere"],
            &["--media-url", "s3://"],
        ] {
            assert_eq!(error_kind(args), ErrorKind::ValueValidation, "{args:?}");
        }
        let err = cli(&["--trusted-proxies", "10.0.0.0/40"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let message = err.to_string();
        assert!(message.contains("--trusted-proxies") && message.contains("prefix length"), "{message}");
        // A bad variable is refused as the flag would be.
        let env = |k: &str| (k == "CONSOLE_MAX_UPLOAD_MB").then(|| "lots".to_owned());
        assert_eq!(config(&[], env).unwrap_err().kind(), ErrorKind::ValueValidation);
    }

    #[test]
    fn durability_metrics_logs_and_shedding() {
        let c = config(&["--sqlite-synchronous", "normal", "--log-format", "json", "--request-queue-ms", "0"], no_env)
            .unwrap();
        assert_eq!(c.durability, storage::Durability::Normal);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.shed.queue, Duration::ZERO);
        let env = |k: &str| {
            match k {
                "CONSOLE_METRICS_TOKEN" => Some("s3cret-token"),
                "CONSOLE_METRICS_ALLOW" => Some("10.0.0.0/8"),
                "CONSOLE_MAX_REQUESTS_IN_FLIGHT" => Some("4"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let c = config(&[], env).unwrap();
        assert_eq!(c.metrics.token.as_deref(), Some("s3cret-token"));
        assert!(c.metrics.allow.contains("10.1.1.1".parse().unwrap()));
        assert_eq!(c.shed.max_in_flight, 4);
        assert!(!format!("{c:?}").contains("s3cret-token"), "the token never reaches a log");
        for args in [&["--sqlite-synchronous", "off"][..], &["--log-format", "xml"], &["--max-requests-in-flight", "0"]]
        {
            assert!(matches!(error_kind(args), ErrorKind::InvalidValue | ErrorKind::ValueValidation), "{args:?}");
        }
        let backup = cli(&["backup", "--to", "/srv/backups/1", "--data-dir", "/srv/console"]).unwrap();
        assert!(matches!(&backup.command, Some(Command::Backup(b)) if b.to == std::path::Path::new("/srv/backups/1")));
        assert_eq!(backup.server_args().data_dir, PathBuf::from("/srv/console"));
        let restore = cli(&["restore", "--from", "/srv/backups/1", "--force"]).unwrap();
        assert!(matches!(&restore.command, Some(Command::Restore(r)) if r.force));
        assert_eq!(error_kind(&["restore"]), ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn compress_chunks_takes_no_arguments() {
        assert!(matches!(cli(&["compress-chunks"]).unwrap().command, Some(Command::CompressChunks)));
        assert_eq!(error_kind(&["compress-chunks", "--data-dir", "/srv"]), ErrorKind::UnknownArgument);
        assert_eq!(error_kind(&["compress-chunks", "site"]), ErrorKind::UnknownArgument);
    }

    #[test]
    fn a_subcommand_reads_the_variables_too() {
        let env = |k: &str| (k == "CONSOLE_DATA_DIR").then(|| "/srv/console".to_owned());
        let argv = ["server", "usersig", "administrator"];
        let parsed = Cli::try_parse_with_env(argv, env).unwrap();
        assert_eq!(parsed.server_args().data_dir, PathBuf::from("/srv/console"));
        let argv = ["server", "usersig", "administrator", "--data-dir", "/tmp/x"];
        let parsed = Cli::try_parse_with_env(argv, env).unwrap();
        assert_eq!(parsed.server_args().data_dir, PathBuf::from("/tmp/x"));
    }
}
