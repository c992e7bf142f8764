//! Operators' passwords: argon2id PHC strings, never the password itself.

use crate::error::AuthError;
use crate::random;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::NewPassword;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A password hash made by [`Hasher::hash`] (a PHC string): the only thing stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredHash(String);

impl AsRef<str> for StoredHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for StoredHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredHash(..)")
    }
}

/// Hashes and verifies passwords off the async threads, a bounded number at a time: argon2
/// takes ~19 MiB and tens of milliseconds per hash, and a burst of sign-ins must not take
/// all memory and cores.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Hashes waiting for a permit. Past `MAX_WAITING`, a request is refused at once
    /// (503): a burst of attempts must not delay every operator's sign-in for long.
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// Verified when the operator name is unknown, so that a wrong name takes as long as a
    /// wrong password.
    decoy: Arc<str>,
}

impl Hasher {
    pub fn new() -> Result<Self, AuthError> {
        let decoy = hash_now(&random::hex_token::<32>())?;
        Ok(Self { permits: Arc::new(Semaphore::new(Self::AT_ONCE)), waiting: Arc::default(), decoy: decoy.0.into() })
    }

    const AT_ONCE: usize = 2;
    const MAX_WAITING: usize = 8;

    /// A permit to hash now, or after the few already waiting; `Busy` when the queue is full.
    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AuthError> {
        use std::sync::atomic::Ordering;
        if let Ok(permit) = self.permits.try_acquire() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= Self::MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AuthError::Busy);
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(|e| AuthError::Hashing(e.to_string()))
    }

    pub async fn hash(&self, password: &NewPassword) -> Result<StoredHash, AuthError> {
        let _permit = self.permit().await?;
        let password = password.as_ref().to_owned();
        tokio::task::spawn_blocking(move || hash_now(&password)).await.map_err(|e| AuthError::Hashing(e.to_string()))?
    }

    /// Whether `password` matches `hash`; with no hash (no such operator) the decoy is
    /// checked, and the answer is no.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Result<bool, AuthError> {
        let _permit = self.permit().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy.to_string());
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?;
        Ok(matches && known)
    }
}

fn hash_now(password: &str) -> Result<StoredHash, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| StoredHash(h.to_string()))
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// A password for a new or reset account, printed once: 20 characters from an alphabet
/// without look-alikes (about 114 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let [byte] = random::bytes::<1>();
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if (byte as usize) < limit {
            out.push(char::from(ALPHABET[byte as usize % ALPHABET.len()]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Field;

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate_password();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, generate_password());
        assert!(NewPassword::parse(Field::Password, &a).is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_the_decoy_never_matches() {
        let hasher = Hasher::new().unwrap();
        let password = NewPassword::parse(Field::Password, "correct horse battery").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.as_ref().starts_with("$argon2id$"));
        assert!(hasher.verify(Some(hash.as_ref().to_owned()), "correct horse battery").await.unwrap());
        assert!(!hasher.verify(Some(hash.as_ref().to_owned()), "wrong").await.unwrap());
        assert!(!hasher.verify(None, "correct horse battery").await.unwrap());
    }
}
