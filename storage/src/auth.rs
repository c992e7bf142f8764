//! Signing in and sessions. A session is a random 256-bit token in the operator's cookie;
//! the database keeps only the token's SHA-256, the operator, when it began and when it was
//! last used, so signing out and removing an operator end it for good. A session ends when
//! it is idle too long, and at its absolute lifetime however much it is used.

use crate::audit::Actor;
use crate::clock::{Clock, SystemClock};
use crate::database::Database;
use crate::device::DeviceCookies;
use crate::error::{AuthError, StoreError};
use crate::password::Hasher;
use crate::random;
use crate::throttle::Throttle;
use domain::{AuditAction, NewPassword, Operator, OperatorName};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The operator a request is signed in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub operator_id: i64,
    pub name: String,
    pub token_hash: String,
}

impl SignedIn {
    /// The operator as the actor of a change made from `address`.
    pub fn actor(&self, address: Option<IpAddr>) -> Actor {
        Actor::Operator { name: self.name.clone(), address }
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session unused for this long is over.
    pub idle: Duration,
    /// A session is over this long after it began, however much it is used: a stolen
    /// token, kept busy, is not good forever.
    pub max_age: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self { idle: Auth::DEFAULT_IDLE, max_age: Duration::from_secs(30 * 24 * 3600) }
    }
}

/// A session just started: its operator, its token (for the session cookie) and a new
/// device cookie for the browser that started it.
#[derive(Debug, Clone)]
pub struct Started {
    pub who: SignedIn,
    pub token: String,
    pub device_cookie: String,
}

/// Sessions, the sign-in throttle and password checks, over one database.
#[derive(Clone)]
pub struct Auth {
    db: Arc<dyn Database>,
    /// A session unused for this long is over.
    idle: Duration,
    /// A session is over this long after it began.
    max_age: Duration,
    hasher: Hasher,
    throttle: Throttle,
    devices: DeviceCookies,
    /// Sessions checked against the database in the last moment (token hash -> operator,
    /// when checked), so that a burst of requests does not read the session table for each.
    /// Everything in this process that ends sessions evicts them here; a session ended by
    /// another process (`server operator reset`) is refused at most `recheck` later.
    recent: Arc<Mutex<HashMap<String, (SignedIn, i64)>>>,
    /// What idleness, the throttle and the cache are measured on.
    clock: Arc<dyn Clock>,
}

impl Auth {
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(8 * 60 * 60);

    pub fn new(db: Arc<dyn Database>, idle: Duration) -> Result<Self, AuthError> {
        Self::with_clock(db, idle, Arc::new(SystemClock))
    }

    /// Over a clock of the caller's (tests move a [`crate::clock::ManualClock`]).
    pub fn with_clock(db: Arc<dyn Database>, idle: Duration, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        Self::with_limits(db, SessionLimits { idle, ..SessionLimits::default() }, clock)
    }

    /// With both limits of sessions, over a clock of the caller's.
    pub fn with_limits(db: Arc<dyn Database>, limits: SessionLimits, clock: Arc<dyn Clock>) -> Result<Self, AuthError> {
        Ok(Self {
            throttle: Throttle::new(db.clone(), clock.clone()),
            devices: DeviceCookies::new(db.clone()),
            db,
            idle: limits.idle,
            max_age: limits.max_age,
            hasher: Hasher::new()?,
            recent: Arc::default(),
            clock,
        })
    }

    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// How long a session checked against the database is trusted without checking again:
    /// two seconds, and never more than half the idle limit or half the lifetime.
    fn recheck(&self) -> Duration {
        Duration::from_secs(2).min(self.idle / 2).min(self.max_age / 2)
    }

    /// Whether a cache entry checked at `checked_ms` may still be trusted.
    fn fresh(&self, checked_ms: i64) -> bool {
        let age = self.clock.now_ms().saturating_sub(checked_ms);
        age >= 0 && (age as u128) < self.recheck().as_millis()
    }

    fn forget(&self, matches: impl Fn(&str, &SignedIn) -> bool) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.retain(|hash, (who, _)| !matches(hash, who));
        }
    }

    /// Checks a name and password; on success starts a session and returns its token (for
    /// the cookie). See [`Auth::sign_in_from`].
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<(SignedIn, String), AuthError> {
        let started = self.sign_in_from(name, password, from, None).await?;
        Ok((started.who, started.token))
    }

    /// Checks a name and password from a browser that may hold a device cookie; on success
    /// starts a session and returns its token and a new device cookie for the browser.
    /// Failures are slowed down per address, and per device cookie or (from a browser
    /// without a valid one for this name) per name (see `Throttle`); each failure is in
    /// the audit log.
    pub async fn sign_in_from(
        &self,
        name: &str,
        password: &str,
        from: Option<IpAddr>,
        device_cookie: Option<&str>,
    ) -> Result<Started, AuthError> {
        let now = self.clock.now();
        let device = match device_cookie {
            Some(cookie) => self.devices.verify(cookie, name, now).await?,
            None => None,
        };
        let device = device.as_deref();
        if let Some(wait) = self.throttle.begin(from, name, device).await? {
            return Err(AuthError::Throttled { retry_after_secs: wait.as_secs().max(1) });
        }
        let found = self.db.credentials(name.trim()).await?;
        let matches = self.hasher.verify(found.as_ref().map(|c| c.password_hash.clone()), password).await?;
        let found = match found {
            Some(found) if matches => found,
            other => {
                // Counted already, before the check. The log names the operator as stored,
                // or nobody: a name that is no operator's may be a password typed into the
                // wrong field.
                crate::measure::sign_in_failed();
                let tried = Actor::sign_in_attempt(other.as_ref().map(|c| c.name.as_str()), from);
                self.db.record(&tried, AuditAction::SignInFailed, "").await?;
                return Err(AuthError::WrongCredentials);
            }
        };
        self.throttle.succeeded(from, name, device).await?;
        let token = random::hex_token::<32>();
        let token_hash = token_hash(&token);
        let actor = Actor::Operator { name: found.name.clone(), address: from };
        let cutoff = now - self.idle.as_secs() as i64;
        self.db.start_session(found.operator_id, &token_hash, now, cutoff, &actor).await?;
        let device_cookie = self.devices.issue(&found.name, now).await?;
        let who = SignedIn { operator_id: found.operator_id, name: found.name, token_hash };
        Ok(Started { who, token, device_cookie })
    }

    /// The operator a session token belongs to, if the session exists, is not idle past
    /// the limit and is younger than its lifetime. Marks the session as used (at most every
    /// few seconds, to spare writes).
    pub async fn session(&self, token: &str) -> Result<Option<SignedIn>, StoreError> {
        let token_hash = token_hash(token);
        if let Ok(recent) = self.recent.lock() {
            if let Some((who, checked)) = recent.get(&token_hash) {
                if self.fresh(*checked) {
                    return Ok(Some(who.clone()));
                }
            }
        }
        let Some(stored) = self.db.session(&token_hash).await? else { return Ok(None) };
        let now = self.clock.now();
        let idle = self.idle.as_secs() as i64;
        if now - stored.last_seen_at >= idle || now - stored.created_at >= self.max_age.as_secs() as i64 {
            self.forget(|hash, _| hash == token_hash);
            self.db.end_session(&token_hash, None).await?;
            return Ok(None);
        }
        if now - stored.last_seen_at >= (idle / 8).clamp(1, 60) {
            self.db.touch_session(&token_hash, now).await?;
        }
        let who = SignedIn { operator_id: stored.operator_id, name: stored.name, token_hash };
        if let Ok(mut recent) = self.recent.lock() {
            // Bounded: entries are dropped once stale, and at worst all at once.
            if recent.len() > 10_000 {
                recent.retain(|_, (_, checked)| self.fresh(*checked));
            }
            recent.insert(who.token_hash.clone(), (who.clone(), self.clock.now_ms()));
        }
        Ok(Some(who))
    }

    /// Ends a session on the server (signing out).
    pub async fn sign_out(&self, who: &SignedIn, by: &Actor) -> Result<(), StoreError> {
        self.forget(|hash, _| hash == who.token_hash);
        self.db.end_session(&who.token_hash, Some(by)).await
    }

    /// Adds an operator. Names are unique regardless of ASCII case.
    pub async fn add_operator(
        &self,
        name: &OperatorName,
        password: &NewPassword,
        by: &Actor,
    ) -> Result<Operator, AuthError> {
        let hash = self.hasher.hash(password).await?;
        Ok(self.db.add_operator(name, &hash, by).await?)
    }

    /// Sets an operator's password and ends their sessions, except `keep` (the session of
    /// an operator changing their own password stays signed in; everywhere else is signed
    /// out).
    pub async fn set_password(
        &self,
        operator_id: i64,
        password: &NewPassword,
        keep: Option<&str>,
        action: AuditAction,
        by: &Actor,
    ) -> Result<(), AuthError> {
        let hash = self.hasher.hash(password).await?;
        self.db.set_password(operator_id, &hash, keep, action, by).await?;
        self.forget(|hash, who| who.operator_id == operator_id && Some(hash) != keep);
        Ok(())
    }

    /// Checks an operator's current password (to change it, knowing the session is not
    /// enough).
    pub async fn check_password(&self, operator_id: i64, password: &str) -> Result<bool, AuthError> {
        let hash = self.db.password_hash(operator_id).await?;
        self.hasher.verify(hash, password).await
    }

    /// The current-password check of a password change, under the sign-in throttle (per
    /// address and per name) and in the audit log when it fails: a stolen session must not
    /// become a way to guess the password.
    pub async fn check_current_password(
        &self,
        who: &SignedIn,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<bool, AuthError> {
        if let Some(wait) = self.throttle.begin(from, &who.name, None).await? {
            return Err(AuthError::Throttled { retry_after_secs: wait.as_secs().max(1) });
        }
        if self.check_password(who.operator_id, password).await? {
            self.throttle.succeeded(from, &who.name, None).await?;
            return Ok(true);
        }
        self.db.record(&who.actor(from), AuditAction::PasswordCheckFailed, &who.name).await?;
        Ok(false)
    }

    /// Removes an operator (their sessions end with them); never the last one.
    pub async fn remove_operator(&self, operator_id: i64, by: &Actor) -> Result<String, StoreError> {
        let name = self.db.remove_operator(operator_id, by).await?;
        self.forget(|_, who| who.operator_id == operator_id);
        Ok(name)
    }

    /// On first start there is nobody to sign in: creates `admin`, with `password` when
    /// given (from the environment) or a generated one, which is returned to be printed
    /// once. `None` when an operator existed already.
    pub async fn ensure_first_operator(
        &self,
        password: Option<String>,
    ) -> Result<Option<FirstOperator>, FirstOperatorError> {
        if !self.db.operators().await?.is_empty() {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(p) => (p, false),
            None => (crate::password::generate_password(), true),
        };
        let parsed = NewPassword::parse(domain::Field::Password, &password)
            .map_err(|e| FirstOperatorError::Password(e.to_string()))?;
        let name = OperatorName::parse(FirstOperator::NAME).map_err(|e| FirstOperatorError::Password(e.to_string()))?;
        let hash = self.hasher.hash(&parsed).await?;
        let added = self.db.add_first_operator(&name, &hash, &Actor::ServerCommand).await?;
        Ok(added.map(|op| FirstOperator { name: op.name, password: generated.then_some(password) }))
    }
}

pub struct FirstOperator {
    pub name: String,
    /// Set when the password was generated (and must be shown to whoever started the server).
    pub password: Option<String>,
}

impl FirstOperator {
    pub const NAME: &'static str = "admin";
}

#[derive(Debug, thiserror::Error)]
pub enum FirstOperatorError {
    #[error("CONSOLE_ADMIN_PASSWORD: {0}")]
    Password(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the database keeps of a session token.
pub fn token_hash(token: &str) -> String {
    random::hex(&Sha256::digest(token.as_bytes()))
}
