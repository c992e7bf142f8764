//! Device cookies, as OWASP's "Slow down online guessing attacks with device cookies"
//! describes them: a browser that signs in as an operator gets a cookie naming that
//! operator, signed with a key of the console's. When it comes back with that operator's
//! name, its attempts are counted on the cookie instead of on the name (see
//! [`crate::throttle`]), so wrong passwords sprayed at the name from elsewhere do not keep
//! the operator out, and a stolen cookie that keeps failing is locked out on its own.
//!
//! `v1.<name in hex>.<issued, unix s>.<nonce>.<HMAC-SHA256 of the rest, hex>`. The key is a
//! random secret kept in the database (`signing_keys`), made by the first server that
//! needs it, so every server accepts the cookies any of them signed. The cookie proves
//! only that this browser signed in as that operator once within a year: it never
//! replaces the password.

use crate::database::Database;
use crate::error::StoreResult;
use crate::random;
use crate::throttle::name_key;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long a device cookie is honoured after it was issued (every sign-in issues a new
/// one, so a browser used at least once a year keeps it).
pub const LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

const VERSION: &str = "v1";
/// Longer than any cookie this module makes (a 64-byte name is 128 hex digits).
const MAX_LEN: usize = 400;

#[derive(Clone)]
pub struct DeviceCookies {
    db: Arc<dyn Database>,
    key: Arc<OnceCell<Vec<u8>>>,
}

impl DeviceCookies {
    pub fn new(db: Arc<dyn Database>) -> Self {
        Self { db, key: Arc::default() }
    }

    /// The signing key: read once per process (made first if the database has none).
    async fn key(&self) -> StoreResult<&[u8]> {
        let key = self
            .key
            .get_or_try_init(|| async {
                let secret = self.db.device_key(&random::hex_token::<32>()).await?;
                Ok::<_, crate::error::StoreError>(secret.into_bytes())
            })
            .await?;
        Ok(key)
    }

    #[allow(clippy::expect_used, reason = "HMAC takes keys of any length; this cannot fail")]
    fn mac(key: &[u8], signed: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
        mac.update(signed.as_bytes());
        mac
    }

    /// A new cookie value for a browser that just signed in as `operator` at `now` (unix s).
    pub async fn issue(&self, operator: &str, now: i64) -> StoreResult<String> {
        let signed = format!("{VERSION}.{}.{now}.{}", random::hex(operator.as_bytes()), random::hex_token::<16>());
        let tag = random::hex(&Self::mac(self.key().await?, &signed).finalize().into_bytes());
        Ok(format!("{signed}.{tag}"))
    }

    /// The device's id when `cookie` is one this console signed, for the operator `name`
    /// (as the throttle folds names), issued within [`LIFETIME`] of `now`; `None` for any
    /// other cookie (forged, altered, expired, another operator's, malformed).
    pub async fn verify(&self, cookie: &str, name: &str, now: i64) -> StoreResult<Option<String>> {
        if cookie.len() > MAX_LEN {
            return Ok(None);
        }
        let Some((signed, tag)) = cookie.rsplit_once('.') else { return Ok(None) };
        let parts: Vec<&str> = signed.split('.').collect();
        let [VERSION, hex_name, issued, nonce] = parts[..] else { return Ok(None) };
        let Some(tag) = unhex(tag) else { return Ok(None) };
        if Self::mac(self.key().await?, signed).verify_slice(&tag).is_err() {
            return Ok(None);
        }
        let Some(cookie_name) = unhex(hex_name).and_then(|bytes| String::from_utf8(bytes).ok()) else {
            return Ok(None);
        };
        let Ok(issued) = issued.parse::<i64>() else { return Ok(None) };
        // A minute of clock difference between servers is forgiven.
        let fresh = issued <= now.saturating_add(60) && now.saturating_sub(issued) < LIFETIME.as_secs() as i64;
        if !fresh || name_key(&cookie_name) != name_key(name) {
            return Ok(None);
        }
        Ok(Some(nonce.to_owned()))
    }
}

/// Lowercase or uppercase hex digits, two per byte.
fn unhex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}
