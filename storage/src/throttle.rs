//! The sign-in throttle: failed sign-ins from one address slow that address down, and
//! failed sign-ins at one operator name slow down the clients that name does not know. The
//! failures are counted in the database, so every server behind a load balancer counts
//! the same attempts.
//!
//! An attempt is counted under two keys: its client address (always), and either the
//! browser's device cookie for that name (see [`crate::device`]) or, from a browser
//! without one, the name. A name's failures make its unknown clients wait a few seconds
//! at most: enough to slow a guesser spraying the name from many addresses to one guess
//! every few seconds, never enough to keep its owner out. A browser that signed in as the
//! operator before is not slowed by the name at all, only by its own failures, which lock
//! it out like an address's.

use crate::clock::Clock;
use crate::database::Database;
use crate::error::StoreResult;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Throttle {
    db: Arc<dyn Database>,
    clock: Arc<dyn Clock>,
}

/// The key an address is counted under. An IPv6 client usually holds a whole /64, so its
/// addresses count together.
pub fn address_key(address: Option<IpAddr>) -> String {
    match address {
        Some(IpAddr::V4(v4)) => format!("ip:{v4}"),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "ip:unknown".to_owned(),
    }
}

/// The key a device cookie is counted under (its id, the cookie's nonce).
pub fn device_key(device: &str) -> String {
    format!("device:{device}")
}

/// The key an operator name is counted under: names that are one operator's count together
/// (the storage's rule for names: ASCII letters fold case, nothing else does).
pub fn name_key(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    format!("name:{}", name.trim().to_ascii_lowercase())
}

impl Throttle {
    pub fn new(db: Arc<dyn Database>, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }

    /// Counts an attempt from `from` at the operator `name` (from the browser whose device
    /// cookie for that name has the id `device`, if any) before its password is checked,
    /// or says how long to wait when the address, the device or the name has failed too
    /// often lately (then nothing is checked and nothing counted). So at most a few
    /// passwords are ever checked per address or device in a window, and one every few
    /// seconds per name from browsers it does not know, however many arrive at once.
    pub async fn begin(&self, from: Option<IpAddr>, name: &str, device: Option<&str>) -> StoreResult<Option<Duration>> {
        let now = self.clock.now_ms();
        let forget_before = now - Failures::FORGET_AFTER.as_millis() as i64;
        let keys = [address_key(from), second_key(name, device)];
        let wait = |key: &str, count: u32, since_ms: i64| {
            let failures = Failures { count, since: Duration::from_millis(since_ms.max(0) as u64) };
            // A name never holds anyone back long: its owner may be the one trying.
            let longest = if key.starts_with("name:") { Failures::NAME_MAX_WAIT } else { Failures::MAX_WAIT };
            failures.wait(longest)
        };
        self.db.begin_attempt(&keys, now, forget_before, &wait).await
    }

    /// The password was right: the attempt is undone, and the address's and the device's
    /// (or the name's) earlier failures are forgiven. A sign-in with a device cookie leaves
    /// the name's count alone: those failures were someone else's.
    pub async fn succeeded(&self, from: Option<IpAddr>, name: &str, device: Option<&str>) -> StoreResult<()> {
        self.db.clear_failures(&address_key(from)).await?;
        self.db.clear_failures(&second_key(name, device)).await
    }
}

/// What an attempt is counted under besides its address: the device cookie, or the name.
fn second_key(name: &str, device: Option<&str>) -> String {
    match device {
        Some(device) => device_key(device),
        None => name_key(name),
    }
}

/// Attempts from one address or device (or at one name) not followed by a success. The
/// first few are free (typos happen); after that each attempt must wait twice as long as
/// the one before, up to five minutes (a few seconds for a name). Refusing early (429)
/// instead of sleeping means a guesser cannot run attempts in parallel.
struct Failures {
    count: u32,
    /// Time since the last failure.
    since: Duration,
}

impl Failures {
    const FREE: u32 = 5;
    const MAX_WAIT: Duration = Duration::from_secs(300);
    /// The longest a name's failures make a client wait: a new browser of its owner's is
    /// told to try again within this long, however many failures were sprayed at the name.
    pub const NAME_MAX_WAIT: Duration = Duration::from_secs(4);
    const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

    fn wait(&self, longest: Duration) -> Option<Duration> {
        if self.count < Self::FREE || self.since >= Self::FORGET_AFTER {
            return None;
        }
        let backoff = Duration::from_secs(1u64 << (self.count - Self::FREE).min(16)).min(longest);
        backoff.checked_sub(self.since).filter(|w| !w.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_backs_off_after_free_attempts() {
        let f = |count| Failures { count, since: Duration::ZERO };
        let most = Failures::MAX_WAIT;
        assert_eq!(f(4).wait(most), None);
        assert!(f(5).wait(most).is_some_and(|w| w <= Duration::from_secs(1)));
        assert!(f(8).wait(most).is_some_and(|w| w > Duration::from_secs(7)));
        assert!(f(40).wait(most).is_some_and(|w| w <= Failures::MAX_WAIT));
        assert_eq!(Failures { count: 8, since: Failures::FORGET_AFTER }.wait(most), None);
        // A name's wait stops growing at a few seconds, however many failures.
        assert_eq!(f(400).wait(Failures::NAME_MAX_WAIT), Some(Failures::NAME_MAX_WAIT));
        let later = Failures { count: 400, since: Duration::from_secs(3) };
        assert_eq!(later.wait(Failures::NAME_MAX_WAIT), Some(Duration::from_secs(1)));
    }

    #[test]
    fn addresses_are_counted_per_ipv4_address_and_per_ipv6_64() {
        assert_eq!(address_key(Some("10.0.0.1".parse().unwrap())), "ip:10.0.0.1");
        let a = address_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap()));
        let b = address_key(Some("2001:db8:1:2:bbbb::2".parse().unwrap()));
        assert_eq!(a, b);
        assert_eq!(a, "ip:2001:db8:1:2::/64");
        assert_ne!(a, address_key(Some("2001:db8:1:3::1".parse().unwrap())));
        assert_eq!(address_key(Some("::ffff:10.0.0.1".parse().unwrap())), "ip:10.0.0.1");
    }
}
