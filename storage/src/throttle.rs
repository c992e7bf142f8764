//! The sign-in throttle: failed sign-ins from one address slow that address down.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures per client address, kept in this process.
#[derive(Clone, Default)]
pub struct Throttle {
    failures: Arc<Mutex<HashMap<Option<IpAddr>, Failures>>>,
}

impl Throttle {
    /// How long `from` must still wait before its next attempt is checked, if at all.
    pub fn wait(&self, from: Option<IpAddr>) -> Option<Duration> {
        let failures = self.failures.lock().ok()?;
        failures.get(&from).and_then(Failures::wait)
    }

    pub fn failed(&self, from: Option<IpAddr>) {
        let Ok(mut failures) = self.failures.lock() else { return };
        // Forget addresses that stopped trying, so the map cannot grow without bound.
        if failures.len() > 10_000 {
            failures.retain(|_, f| f.last.elapsed() < Failures::FORGET_AFTER);
        }
        let entry = failures.entry(from).or_insert(Failures { count: 0, last: Instant::now() });
        if entry.last.elapsed() >= Failures::FORGET_AFTER {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = Instant::now();
    }

    /// A success clears the address's count.
    pub fn succeeded(&self, from: Option<IpAddr>) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&from);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_backs_off_after_free_attempts() {
        let f = |count| Failures { count, last: Instant::now() };
        assert_eq!(f(4).wait(), None);
        assert!(f(5).wait().is_some_and(|w| w <= Duration::from_secs(1)));
        assert!(f(8).wait().is_some_and(|w| w > Duration::from_secs(7)));
        assert!(f(40).wait().is_some_and(|w| w <= Failures::MAX_WAIT));
    }

    #[test]
    fn a_success_clears_the_count() {
        let throttle = Throttle::default();
        let from = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..6 {
            throttle.failed(from);
        }
        assert!(throttle.wait(from).is_some());
        assert!(throttle.wait(None).is_none(), "per address");
        throttle.succeeded(from);
        assert!(throttle.wait(from).is_none());
    }
}
