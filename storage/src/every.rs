//! Background work on a clock: the SQLite checkpointer and search merger, the media sweeper.

use std::future::Future;
use std::ops::ControlFlow;
use std::time::Duration;

/// Runs `round` every `period` until it answers `Break` (its database closed). A round that
/// overruns delays the next one rather than making rounds pile up.
pub(crate) fn spawn_every<F, Fut>(period: Duration, mut round: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ControlFlow<()>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if round().await.is_break() {
                return;
            }
        }
    });
}
