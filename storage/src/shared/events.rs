//! The event log and webhook outbox (see `crate::events`), written once for both engines.

use crate::audit::Actor;
use crate::clock::Clock;
use crate::database::EventStore;
use crate::error::StoreResult;
use crate::events::{Attempt, Claimed, NewEvent, StoredWebhook};
use async_trait::async_trait;
use domain::webhook::ValidWebhook;
use domain::{AuditAction, Delivery, DeliveryPage, DeliveryState, WhenUnreachable};

type DeliveryRow = (i64, String, String, i64, String, i64, Option<i64>, String, Option<i64>, Option<i64>);

fn delivery(
    (id, command, channel, created_at, state, attempts, last_status, last_error, last_latency_ms, next_attempt_at): DeliveryRow,
) -> Delivery {
    Delivery {
        id,
        command,
        channel,
        created_at,
        state: DeliveryState::from_code(&state).unwrap_or(DeliveryState::Failed),
        attempts,
        last_status,
        last_error,
        last_latency_ms,
        next_attempt_at: if state == "pending" { next_attempt_at } else { None },
    }
}

on_both_engines! {
    impl Store {
        /// Records an event in the transaction of the change that caused it, with a pending
        /// delivery when the webhook is on for it (due at once: its first attempt is due
        /// whatever a deliverer's clock says); wakes the deliverers.
        pub(crate) async fn emit(&self, tx: &mut Conn, by: &Actor, event: &NewEvent) -> Result<(), sqlx::Error> {
            let now_ms = crate::clock::SystemClock.now_ms();
            let due = sqlx::query_scalar::<_, String>(
                "INSERT INTO events (command, channel_id, channel_account, channel_name, platform, operator,
                                     client_ip, created_at, payload, delivery, next_attempt_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9,
                        CASE WHEN w.url <> '' AND ($10 = 0 OR (w.events & $10) <> 0) THEN 'pending' ELSE 'none' END,
                        CASE WHEN w.url <> '' AND ($10 = 0 OR (w.events & $10) <> 0) THEN 0 END
                 FROM webhook_settings w WHERE w.id = 1
                 RETURNING delivery",
            )
            .bind(event.command())
            .bind(event.channel_id)
            .bind(&event.channel_account)
            .bind(&event.channel_name)
            .bind(by.platform())
            .bind(by.operator_account())
            .bind(by.address())
            .bind(now_ms)
            .bind(serde_json::Value::Object(event.fields.clone()).to_string())
            .bind(event.bit())
            .fetch_optional(&mut *tx)
            .await?;
            if due.as_deref() == Some("pending") {
                self.announce_events(tx).await?;
            }
            if event.callback.is_some_and(|c| crate::streams::STREAMED.contains(&c)) {
                self.announce_stream(tx).await?;
            }
            Ok(())
        }
    }

    #[async_trait]
    impl EventStore for Store {
        async fn webhook(&self) -> StoreResult<StoredWebhook> {
            let row: Option<(String, String, i64, i64, String, String, i64)> = sqlx::query_as(
                "SELECT url, token, events, refuse_when_down, secret, previous_secret, previous_until
                 FROM webhook_settings WHERE id = 1",
            )
            .fetch_optional(&self.pool)
            .await?;
            Ok(row
                .map(|(url, token, callbacks, refuse, secret, previous_secret, previous_until)| StoredWebhook {
                    url,
                    token,
                    callbacks,
                    refuse_when_down: refuse != 0,
                    secret,
                    previous_secret,
                    previous_until,
                })
                .unwrap_or_default())
        }

        async fn save_webhook(&self, settings: &ValidWebhook, by: &Actor) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            let url = settings.url.as_ref().map(|u| u.as_ref().to_owned()).unwrap_or_default();
            sqlx::query("UPDATE webhook_settings SET url = $1, token = $2, events = $3, refuse_when_down = $4 WHERE id = 1")
                .bind(&url)
                .bind(settings.token.as_ref())
                .bind(settings.callbacks)
                .bind(i64::from(settings.when_unreachable == WhenUnreachable::Refuse))
                .execute(&mut *tx)
                .await?;
            let subject = if url.is_empty() { "off".to_owned() } else { url };
            Store::audit(&mut tx, by, AuditAction::WebhookChanged, &subject).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn set_signing_secret(
            &self,
            secret: &str,
            previous_until: i64,
            only_if_none: bool,
            by: &Actor,
        ) -> StoreResult<bool> {
            let mut tx = self.begin_write().await?;
            // One statement: of two first saves at once, one makes the secret.
            let changed = sqlx::query(
                "UPDATE webhook_settings SET previous_secret = secret, previous_until = $1, secret = $2
                 WHERE id = 1 AND (NOT $3 OR secret = '')",
            )
            .bind(previous_until)
            .bind(secret)
            .bind(only_if_none)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            let hint = crate::database::key_hint(secret);
            Store::audit(&mut tx, by, AuditAction::WebhookSecretRotated, &format!("…{hint}")).await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn record_event(&self, event: &NewEvent, by: &Actor) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            self.emit(&mut tx, by, event).await?;
            if event.callback.is_none() {
                Store::audit(&mut tx, by, AuditAction::WebhookTested, event.command()).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn claim_deliveries(&self, now_ms: i64, lease_ms: i64, limit: u32) -> StoreResult<Vec<Claimed>> {
            let mut tx = self.begin_write().await?;
            let claimed: Vec<Claimed> = sqlx::query_as(concat!(
                "UPDATE events SET next_attempt_at = $1, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM events WHERE delivery = 'pending' AND next_attempt_at <= $2
                              ORDER BY next_attempt_at, id LIMIT $3", skip_locked!(), ")
                 RETURNING id, command, channel_id, channel_account, platform, operator, client_ip,
                           created_at, payload, attempts"
            ))
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut claimed = claimed;
            claimed.sort_by_key(|c| c.id);
            Ok(claimed)
        }

        async fn finish_deliveries(&self, attempts: &[Attempt]) -> StoreResult<()> {
            if attempts.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin_write().await?;
            for a in attempts {
                sqlx::query(
                    "UPDATE events SET delivery = $1, next_attempt_at = $2, last_attempt_at = $3, last_status = $4,
                            last_error = $5, last_latency_ms = $6, finished = attempts
                     WHERE id = $7 AND attempts = $8 AND delivery = 'pending'",
                )
                .bind(a.state())
                .bind(a.retry_at)
                .bind(a.at)
                .bind(a.status)
                .bind(&a.error)
                .bind(a.latency_ms)
                .bind(a.id)
                .bind(a.attempt)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn deliveries(&self, before: Option<i64>, failures_only: bool) -> StoreResult<DeliveryPage> {
            let mut rows: Vec<DeliveryRow> = sqlx::query_as(
                "SELECT id, command, channel_name, created_at, delivery, attempts, last_status, last_error,
                        last_latency_ms, next_attempt_at
                 FROM events
                 WHERE delivery <> 'none' AND id < $1
                   AND (NOT $2 OR delivery = 'failed' OR (delivery = 'pending' AND last_error <> ''))
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(before.unwrap_or(i64::MAX))
            .bind(failures_only)
            .bind(DeliveryPage::SIZE as i64 + 1)
            .fetch_all(&self.pool)
            .await?;
            let next = if rows.len() > DeliveryPage::SIZE {
                rows.truncate(DeliveryPage::SIZE);
                rows.last().map(|r| r.0)
            } else {
                None
            };
            Ok(DeliveryPage { deliveries: rows.into_iter().map(delivery).collect(), next })
        }

        async fn redeliver(&self, id: i64, by: &Actor) -> StoreResult<bool> {
            let mut tx = self.begin_write().await?;
            // Only a delivery whose last attempt failed, and none while an attempt is under
            // way (that would start a second one beside it); a pending one is tried now.
            let command: Option<String> = sqlx::query_scalar(
                "UPDATE events SET delivery = 'pending', next_attempt_at = 0
                 WHERE id = $1 AND attempts = finished
                   AND (delivery = 'failed' OR (delivery = 'pending' AND last_error <> ''))
                 RETURNING command",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(command) = command else { return Ok(false) };
            Store::audit(&mut tx, by, AuditAction::WebhookRedelivered, &format!("#{id} {command}")).await?;
            self.announce_events(&mut tx).await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn pending_deliveries(&self) -> StoreResult<i64> {
            Ok(sqlx::query_scalar("SELECT count(*) FROM events WHERE delivery = 'pending'").fetch_one(&self.pool).await?)
        }

        async fn prune_events(&self, before_ms: i64) -> StoreResult<u64> {
            let mut tx = self.begin_write().await?;
            let gone = sqlx::query("DELETE FROM events WHERE created_at < $1 AND delivery <> 'pending'")
                .bind(before_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(gone)
        }

        async fn wait_for_events(&self, at_most: std::time::Duration) {
            self.events_announced(at_most).await
        }
    }
}
