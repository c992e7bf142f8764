//! Time. Every stored timestamp is whole seconds since the Unix epoch, UTC ([`now`]).
//!
//! What depends on time passing (a session going idle, the sign-in throttle's waits, the
//! session cache's trust) reads a [`Clock`] it is given, so that tests move time forward
//! with a [`ManualClock`] instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The wall clock's time, as the clock-dependent parts read it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Whole seconds since the Unix epoch.
    fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    ms: AtomicI64,
}

impl ManualClock {
    /// Stopped at the machine's time now.
    pub fn starting_now() -> Self {
        Self { ms: AtomicI64::new(SystemClock.now_ms()) }
    }

    pub fn advance(&self, by: Duration) {
        self.ms.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

/// The machine's time in whole seconds: what rows are stamped with.
pub fn now() -> i64 {
    SystemClock.now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::starting_now();
        let start = clock.now_ms();
        assert_eq!(clock.now_ms(), start);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now_ms(), start + 1500);
        assert_eq!(clock.now(), (start + 1500).div_euclid(1000));
    }
}
