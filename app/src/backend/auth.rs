//! Passwords, sessions and the sign-in throttle.
//!
//! Passwords are stored as argon2id PHC strings. A session is a random 256-bit token in an
//! HttpOnly, SameSite=Strict cookie; the database keeps only the token's SHA-256, the
//! operator and when the session was last used, so sign-out and removal end it for good.

use super::db::{begin_write, now};
use crate::domain::{NewPassword, OperatorName};
use crate::error::AppError;
use super::random;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub const SESSION_COOKIE: &str = "console_session";

/// The operator a request is signed in as. The authentication middleware puts it in the
/// request's extensions; server functions read it with [`signed_in`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub operator_id: i64,
    pub name: String,
    pub token_hash: String,
}

/// Where a request came from (the peer address; proxies' headers are not trusted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    pub fn label(&self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

/// Authentication settings and the state that outlives a request.
#[derive(Clone)]
pub struct Auth {
    /// A session unused for this long is over.
    pub idle: Duration,
    throttle: Arc<Mutex<HashMap<Option<IpAddr>, Failures>>>,
    /// argon2 takes ~19 MiB and tens of milliseconds per hash: a burst of sign-ins must not
    /// take all memory and cores.
    hashing: Arc<Semaphore>,
    /// Verified when the operator name is unknown, so that a wrong name takes as long as a
    /// wrong password.
    decoy_hash: Arc<str>,
    /// Sessions checked against the database in the last moment (token hash -> operator,
    /// when checked), so that a burst of requests does not read the session table for each.
    /// Everything in this process that ends sessions evicts them here; a session ended by
    /// another process (`server operator reset`) is refused at most `recheck` later.
    recent: Arc<Mutex<HashMap<String, (SignedIn, Instant)>>>,
}

impl Auth {
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(8 * 60 * 60);

    pub fn new(idle: Duration) -> Result<Self, AppError> {
        let decoy = hash_now(&random_token())?;
        Ok(Self {
            idle,
            throttle: Arc::default(),
            hashing: Arc::new(Semaphore::new(2)),
            decoy_hash: decoy.into(),
            recent: Arc::default(),
        })
    }

    /// How long a session checked against the database is trusted without checking again:
    /// two seconds, and never more than half the idle limit.
    fn recheck(&self) -> Duration {
        Duration::from_secs(2).min(self.idle / 2)
    }

    /// Ends a session on the server.
    pub async fn end_session(&self, pool: &SqlitePool, token_hash: &str) -> Result<(), AppError> {
        self.forget(|hash, _| hash == token_hash);
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).execute(pool).await?;
        Ok(())
    }

    fn forget(&self, matches: impl Fn(&str, &SignedIn) -> bool) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.retain(|hash, (who, _)| !matches(hash, who));
        }
    }

    pub async fn hash(&self, password: &NewPassword) -> Result<String, AppError> {
        let _permit = self.hashing.acquire().await.map_err(|_| AppError::Unexpected)?;
        let password = password.as_ref().to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|_| AppError::Unexpected)?
    }

    async fn verify(&self, hash: String, password: &str) -> Result<bool, AppError> {
        let _permit = self.hashing.acquire().await.map_err(|_| AppError::Unexpected)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(|_| AppError::Unexpected)
    }

    /// Checks a name and password; on success starts a session and returns its token (for
    /// the cookie). Failures from one address are slowed down (see [`Failures`]).
    pub async fn sign_in(
        &self,
        pool: &SqlitePool,
        name: &str,
        password: &str,
        from: &ClientAddr,
    ) -> Result<(SignedIn, String), AppError> {
        self.check_throttle(from)?;
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, password_hash FROM operators WHERE name = ?")
                .bind(name.trim())
                .fetch_optional(pool)
                .await?;
        let (hash, known) = match &row {
            Some((_, _, hash)) => (hash.clone(), true),
            None => (self.decoy_hash.to_string(), false),
        };
        let matches = self.verify(hash, password).await? && known;
        let Some((operator_id, name, _)) = row.filter(|_| matches) else {
            self.record_failure(from);
            return Err(AppError::WrongCredentials);
        };
        self.throttle.lock().map_err(|_| AppError::Unexpected)?.remove(&from.0);

        let token = random_token();
        let token_hash = token_hash(&token);
        let at = now();
        let mut tx = begin_write(pool).await?;
        // Sessions idle past the limit are dead; sweep them while we write anyway.
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < ?")
            .bind(at - self.idle.as_secs() as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&token_hash)
        .bind(operator_id)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE operators SET last_sign_in = ? WHERE id = ?")
            .bind(at)
            .bind(operator_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((SignedIn { operator_id, name, token_hash }, token))
    }

    /// The operator a session token belongs to, if the session exists and is not idle past
    /// the limit. Marks the session as used (at most every few seconds, to spare writes).
    pub async fn session(&self, pool: &SqlitePool, token: &str) -> Result<Option<SignedIn>, AppError> {
        let token_hash = token_hash(token);
        if let Ok(recent) = self.recent.lock() {
            if let Some((who, checked)) = recent.get(&token_hash) {
                if checked.elapsed() < self.recheck() {
                    return Ok(Some(who.clone()));
                }
            }
        }
        let row: Option<(i64, String, i64)> = sqlx::query_as(
            "SELECT s.operator_id, o.name, s.last_seen_at FROM sessions s \
             JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?",
        )
        .bind(&token_hash)
        .fetch_optional(pool)
        .await?;
        let Some((operator_id, name, last_seen)) = row else { return Ok(None) };
        let at = now();
        let idle = self.idle.as_secs() as i64;
        if at - last_seen >= idle {
            self.end_session(pool, &token_hash).await?;
            return Ok(None);
        }
        if at - last_seen >= (idle / 8).clamp(1, 60) {
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(at)
                .bind(&token_hash)
                .execute(pool)
                .await?;
        }
        let who = SignedIn { operator_id, name, token_hash };
        if let Ok(mut recent) = self.recent.lock() {
            // Bounded: entries are dropped once stale, and at worst all at once.
            if recent.len() > 10_000 {
                let recheck = self.recheck();
                recent.retain(|_, (_, checked)| checked.elapsed() < recheck);
            }
            recent.insert(who.token_hash.clone(), (who.clone(), Instant::now()));
        }
        Ok(Some(who))
    }

    fn check_throttle(&self, from: &ClientAddr) -> Result<(), AppError> {
        let throttle = self.throttle.lock().map_err(|_| AppError::Unexpected)?;
        match throttle.get(&from.0).and_then(Failures::wait) {
            Some(wait) => Err(AppError::TooManyAttempts { retry_after_secs: wait.as_secs().max(1) }),
            None => Ok(()),
        }
    }

    fn record_failure(&self, from: &ClientAddr) {
        let Ok(mut throttle) = self.throttle.lock() else { return };
        // Forget addresses that stopped trying, so the map cannot grow without bound.
        if throttle.len() > 10_000 {
            throttle.retain(|_, f| f.last.elapsed() < Failures::FORGET_AFTER);
        }
        let entry = throttle.entry(from.0).or_insert(Failures { count: 0, last: Instant::now() });
        if entry.last.elapsed() >= Failures::FORGET_AFTER {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = Instant::now();
    }
}

/// Failed sign-ins from one address. The first few are free (typos happen); after that
/// each attempt must wait twice as long as the one before, up to five minutes. Refusing
/// early (429) instead of sleeping means a guesser cannot run attempts in parallel.
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    const FREE: u32 = 5;
    const MAX_WAIT: Duration = Duration::from_secs(300);
    const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

    fn wait(&self) -> Option<Duration> {
        if self.count < Self::FREE || self.last.elapsed() >= Self::FORGET_AFTER {
            return None;
        }
        let backoff = Duration::from_secs(1u64 << (self.count - Self::FREE).min(16)).min(Self::MAX_WAIT);
        backoff.checked_sub(self.last.elapsed()).filter(|w| !w.is_zero())
    }
}

/// The `Set-Cookie` value that stores a session token in the browser. No Max-Age: the
/// server decides when the session ends (after inactivity), and a cookie with a fixed
/// lifetime would cut off an operator who is still working.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token in a `Cookie` request header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn token_hash(token: &str) -> String {
    random::hex(&Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    random::hex_token::<32>()
}

fn hash_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Unexpected
        })
}

/// A password for a new or reset account, printed once: 20 characters from an alphabet
/// without look-alikes (about 114 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let byte = random::bytes::<1>();
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if (byte[0] as usize) < limit {
            out.push(ALPHABET[byte[0] as usize % ALPHABET.len()] as char);
        }
    }
    out
}

/// The signed-in operator of the current server function call or page render.
pub fn signed_in() -> Result<SignedIn, AppError> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<SignedIn>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// The address of the current server function call.
pub fn client_addr() -> ClientAddr {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddr>().cloned())
        .unwrap_or(ClientAddr(None))
}

/// Whether the current request reached us over https (directly or through a proxy that
/// says so): the session cookie is then marked Secure.
pub fn over_https() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.uri.scheme_str() == Some("https")
            || parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"))
    })
}

/// Adds an operator. Names are unique regardless of ASCII case.
pub async fn add_operator(
    pool: &SqlitePool,
    auth: &Auth,
    name: &OperatorName,
    password: &NewPassword,
) -> Result<crate::domain::Operator, AppError> {
    let hash = auth.hash(password).await?;
    let inserted = sqlx::query_as(
        "INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at, last_sign_in",
    )
    .bind(name.as_ref())
    .bind(hash)
    .bind(now())
    .fetch_optional(pool)
    .await?;
    inserted.ok_or_else(|| {
        AppError::Conflict(format!("Operator: the name {:?} is already taken.", name.as_ref()))
    })
}

/// Sets an operator's password and ends their sessions, except `keep` (the session of an
/// operator changing their own password stays signed in; everywhere else is signed out).
pub async fn set_password(
    pool: &SqlitePool,
    auth: &Auth,
    operator_id: i64,
    password: &NewPassword,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let hash = auth.hash(password).await?;
    let mut tx = begin_write(pool).await?;
    let updated = sqlx::query("UPDATE operators SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(operator_id)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::NotFound("This operator no longer exists.".into()));
    }
    sqlx::query("DELETE FROM sessions WHERE operator_id = ? AND token_hash IS NOT ?")
        .bind(operator_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    auth.forget(|hash, who| who.operator_id == operator_id && Some(hash) != keep);
    Ok(())
}

/// Checks an operator's current password (to change it, knowing the session is not enough).
pub async fn check_password(
    pool: &SqlitePool,
    auth: &Auth,
    operator_id: i64,
    password: &str,
) -> Result<bool, AppError> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM operators WHERE id = ?")
        .bind(operator_id)
        .fetch_optional(pool)
        .await?;
    match hash {
        Some(hash) => auth.verify(hash, password).await,
        None => Ok(false),
    }
}

pub async fn list_operators(pool: &SqlitePool) -> Result<Vec<crate::domain::Operator>, AppError> {
    Ok(sqlx::query_as("SELECT id, name, created_at, last_sign_in FROM operators ORDER BY name")
        .fetch_all(pool)
        .await?)
}

/// Removes an operator (their sessions end with them). The last operator cannot be removed:
/// nobody could sign in any more.
pub async fn remove_operator(pool: &SqlitePool, auth: &Auth, operator_id: i64) -> Result<String, AppError> {
    let mut tx = begin_write(pool).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(&mut *tx).await?;
    let name: Option<String> = sqlx::query_scalar("DELETE FROM operators WHERE id = ? RETURNING name")
        .bind(operator_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(name) = name else {
        return Err(AppError::NotFound("This operator no longer exists.".into()));
    };
    if count <= 1 {
        return Err(AppError::Conflict("The last operator cannot be removed.".into()));
    }
    tx.commit().await?;
    auth.forget(|_, who| who.operator_id == operator_id);
    Ok(name)
}

pub async fn find_operator(pool: &SqlitePool, name: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM operators WHERE name = ?")
        .bind(name)
        .fetch_optional(pool)
        .await?)
}

/// On first start there is nobody to sign in: creates `admin`, with `password` when given
/// (from the environment) or a generated one, which is returned to be printed once.
pub async fn ensure_first_operator(
    pool: &SqlitePool,
    auth: &Auth,
    password: Option<String>,
) -> Result<Option<FirstOperator>, Box<dyn std::error::Error>> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM operators").fetch_one(pool).await?;
    if count > 0 {
        return Ok(None);
    }
    let (password, generated) = match password {
        Some(p) => (p, false),
        None => (generate_password(), true),
    };
    let parsed = NewPassword::parse(crate::domain::Field::Password, &password)
        .map_err(|e| format!("CONSOLE_ADMIN_PASSWORD: {e}"))?;
    let name = OperatorName::parse("admin")?;
    add_operator(pool, auth, &name, &parsed).await?;
    super::audit::record(pool, "server", crate::domain::AuditAction::OperatorAdded, "admin", "").await;
    Ok(Some(FirstOperator { name: "admin".into(), password: generated.then_some(password) }))
}

pub struct FirstOperator {
    pub name: String,
    /// Set when the password was generated (and must be shown to whoever started the server).
    pub password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies() {
        let token = "a".repeat(64);
        let set = session_cookie(&token, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"));
        assert!(session_cookie(&token, true).ends_with("; Secure"));
        assert_eq!(token_from_cookies(&format!("x=1; {SESSION_COOKIE}={token}")), Some(token.as_str()));
        assert_eq!(token_from_cookies(&format!("{SESSION_COOKIE}=short")), None);
        assert_eq!(token_from_cookies("other=1"), None);
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate_password();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, generate_password());
        assert!(NewPassword::parse(crate::domain::Field::Password, &a).is_ok());
    }

    #[test]
    fn throttle_backs_off_after_free_attempts() {
        let f = |count| Failures { count, last: Instant::now() };
        assert_eq!(f(4).wait(), None);
        assert!(f(5).wait().is_some_and(|w| w <= Duration::from_secs(1)));
        assert!(f(8).wait().is_some_and(|w| w > Duration::from_secs(7)));
        assert!(f(40).wait().is_some_and(|w| w <= Failures::MAX_WAIT));
    }
}
