//! The deliverer: takes due deliveries from the event log (on any number of servers, each
//! event to one at a time), posts them, and records how each went with its next attempt.

use crate::Webhooks;
use futures_util::stream::{self, StreamExt};
use serde_json::{Map, Value};
use std::time::Duration;
use storage::events::{Attempt, Claimed, StoredWebhook};
use storage::StoreResult;

/// How long a claim keeps other servers off an event: well beyond a call's time limit.
const LEASE: Duration = Duration::from_secs(60);
/// Deliveries claimed at once, and attempted at once (all are to the one webhook URL).
const BATCH: u32 = 64;
/// The time limit of one delivery (connection, request and answer).
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// How often an idle deliverer looks for retries that came due (new events wake it).
const IDLE: Duration = Duration::from_secs(1);
/// How long events are kept once nothing is left to deliver (the deliveries log shows them).
pub const KEEP_EVENTS: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often each server forgets older events.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The wait after the n-th failed attempt: about 1 s, 5 s, 30 s, 2 min, 10 min, then hourly.
pub fn retry_delay(failed_attempts: i64) -> Duration {
    const SCHEDULE: [u64; 5] = [1, 5, 30, 120, 600];
    let index = usize::try_from(failed_attempts.max(1) - 1).unwrap_or(usize::MAX);
    Duration::from_secs(SCHEDULE.get(index).copied().unwrap_or(3600))
}

impl Webhooks {
    /// Delivers forever (until the database is closed).
    pub fn spawn_deliverer(&self) -> tokio::task::JoinHandle<()> {
        let hooks = self.clone();
        tokio::spawn(async move {
            let mut pruned_at = None::<std::time::Instant>;
            loop {
                if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                    pruned_at = Some(std::time::Instant::now());
                    let before = hooks.clock.now_ms() - KEEP_EVENTS.as_millis() as i64;
                    if let Err(error) = hooks.db.prune_events(before).await {
                        tracing::warn!(%error, "could not forget old events");
                    }
                }
                match hooks.deliver_due().await {
                    Ok(0) => hooks.db.wait_for_events(IDLE).await,
                    Ok(_) => {}
                    Err(storage::StoreError::Database(sqlx::Error::PoolClosed)) => break,
                    Err(error) => {
                        tracing::warn!(%error, "webhook delivery round failed; retrying");
                        tokio::time::sleep(IDLE).await;
                    }
                }
            }
        })
    }

    /// One round: claims the deliveries due now, attempts them and records the outcomes.
    /// Returns how many were attempted.
    pub async fn deliver_due(&self) -> StoreResult<usize> {
        let claimed = self.db.claim_deliveries(self.clock.now_ms(), LEASE.as_millis() as i64, BATCH).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let hook = self.db.webhook().await?;
        let (appid, _) = self.db.api_credentials().await?;
        let n = claimed.len();
        let attempts: Vec<Attempt> = stream::iter(claimed)
            .map(|c| self.attempt(appid, &hook, c))
            .buffer_unordered(BATCH as usize)
            .collect()
            .await;
        self.db.finish_deliveries(&attempts).await?;
        Ok(n)
    }

    async fn attempt(&self, appid: i64, hook: &StoredWebhook, event: Claimed) -> Attempt {
        let fields: Map<String, Value> = serde_json::from_str(&event.payload).unwrap_or_default();
        let body = self.body(&event.command, event.created_at, &fields);
        let id = format!("evt_{}", event.id);
        let at = self.clock.now_ms();
        let outcome = if hook.url.is_empty() {
            Err((None, "no webhook URL is set".to_owned(), 0))
        } else {
            match self.request_for(appid, hook, &event.command, &event.platform, &event.client_ip, &id, &body) {
                Err(why) => Err((None, why, 0)),
                Ok((url, headers)) => match self.outbound.post(&url, &headers, body, TIMEOUT).await {
                    Ok(answer) if (200..300).contains(&answer.status) => Ok((answer.status, answer.latency)),
                    Ok(answer) => Err((
                        Some(i64::from(answer.status)),
                        format!("HTTP {}", answer.status),
                        answer.latency.as_millis() as i64,
                    )),
                    Err(error) => Err((None, error.to_string(), self.clock.now_ms().saturating_sub(at))),
                },
            }
        };
        match outcome {
            Ok((status, latency)) => Attempt {
                id: event.id,
                attempt: event.attempts,
                at,
                status: Some(i64::from(status)),
                error: String::new(),
                latency_ms: latency.as_millis() as i64,
                retry_at: None,
            },
            Err((status, error, latency_ms)) => {
                let next = at + retry_delay(event.attempts).as_millis() as i64;
                let until = event.created_at + self.options.retry_for.as_millis() as i64;
                tracing::info!(event = event.id, attempt = event.attempts, error, "webhook delivery failed");
                Attempt {
                    id: event.id,
                    attempt: event.attempts,
                    at,
                    status,
                    error,
                    latency_ms,
                    retry_at: (next <= until).then_some(next),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_schedule() {
        let secs: Vec<u64> = (1..=8).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [1, 5, 30, 120, 600, 3600, 3600, 3600]);
    }
}
