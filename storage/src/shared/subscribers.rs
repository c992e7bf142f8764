//! A channel's subscribers. Every change locks the channel's row first (on SQLite the write
//! transaction holds the only write lock), so the kept count and the maximum are checked and
//! changed in one step, whatever the number of callers.

use crate::audit::Actor;
use crate::database::{Subscribed, SubscribedChannel, SubscriberPage, SubscriberStore, Subscriptions, Unsubscribed};
use crate::error::{Missing, StoreError, StoreResult};
use crate::events::NewEvent;
use crate::messages::AccountRow;
use crate::rows::channel_subject;
use crate::shared::channels::{AccountColumns, ACCOUNT_COLUMNS};
use async_trait::async_trait;
use domain::{AuditAction, Callback, MsgFlag, Subscriber, SubscriberAccount};
use std::collections::{HashMap, HashSet};

type SubscriberRow = (i64, String, i64, String, String, i64);

fn subscriber((_, account, subscribed_at, custom_string, msg_flag, last_send_msg_time): SubscriberRow) -> Subscriber {
    Subscriber {
        account,
        subscribed_at,
        custom_string,
        // Only the three names are ever written.
        msg_flag: MsgFlag::from_code(&msg_flag).unwrap_or_default(),
        last_send_msg_time,
    }
}

/// How the audit log names what a call did to a channel's subscribers.
fn audit_subject(count: usize, channel_id: i64, channel_name: &str) -> String {
    format!("{count} of {}", channel_subject(channel_id, channel_name))
}

on_both_engines! {
    /// `statement` (a SELECT or DELETE of `subscribers`) for these users of the channel.
    fn of_accounts<'a>(
        statement: &str,
        channel_id: i64,
        accounts: impl Iterator<Item = &'a SubscriberAccount>,
    ) -> sqlx::QueryBuilder<'static, Db> {
        let mut q = sqlx::QueryBuilder::<Db>::new(statement);
        q.push(" WHERE channel_id = ").push_bind(channel_id).push(" AND account IN (");
        let mut list = q.separated(", ");
        for account in accounts {
            list.push_bind(account.as_ref().to_owned());
        }
        q.push(")");
        q
    }

    impl Store {
        /// The channel's name, count, maximum and account id, its row locked for the rest of
        /// the transaction; `Missing::Channel` when there is none.
        async fn lock_channel(tx: &mut Conn, channel_id: i64) -> StoreResult<(String, i64, i64, String)> {
            let row: Option<(String, i64, i64, String)> = sqlx::query_as(concat!(
                "SELECT name, subscriber_count, max_subscribers, COALESCE(account_id, '') FROM channels WHERE id = $1",
                for_update!()
            ))
            .bind(channel_id)
            .fetch_optional(&mut *tx)
            .await?;
            row.ok_or(StoreError::NotFound(Missing::Channel))
        }

        /// Keeps the channel's count at the end of today (UTC) for the growth chart.
        async fn count_day(tx: &mut Conn, channel_id: i64, count: i64) -> Result<(), sqlx::Error> {
            sqlx::query(
                "INSERT INTO subscriber_days (channel_id, day, subscribers) VALUES ($1, $2, $3)
                 ON CONFLICT (channel_id, day) DO UPDATE SET subscribers = excluded.subscribers",
            )
            .bind(channel_id)
            .bind(crate::clock::now().div_euclid(86_400))
            .bind(count)
            .execute(&mut *tx)
            .await?;
            Ok(())
        }

        /// Which of `accounts` subscribe to the channel.
        async fn subscribed_among(
            tx: &mut Conn,
            channel_id: i64,
            accounts: &[&SubscriberAccount],
        ) -> StoreResult<HashSet<String>> {
            if accounts.is_empty() {
                return Ok(HashSet::new());
            }
            let mut q = of_accounts("SELECT account FROM subscribers", channel_id, accounts.iter().copied());
            let found: Vec<String> = q.build_query_scalar().fetch_all(&mut *tx).await?;
            Ok(found.into_iter().collect())
        }
    }

    #[async_trait]
    impl SubscriberStore for Store {
        async fn add_subscribers(
            &self,
            channel_id: i64,
            accounts: &[SubscriberAccount],
            by: &Actor,
        ) -> StoreResult<Subscriptions> {
            let mut tx = self.begin_write().await?;
            let (name, before, max, account) = Store::lock_channel(&mut tx, channel_id).await?;
            let named: Vec<&SubscriberAccount> = accounts.iter().collect();
            let existing = Store::subscribed_among(&mut tx, channel_id, &named).await?;
            // In the call's order: those already there, then new ones while there is room. A
            // user named again gets "already" when the first mention made them (or found
            // them) a subscriber, and the same refusal when it did not.
            let mut room = (max - before).max(0);
            let mut first: HashMap<&str, Subscribed> = HashMap::new();
            let mut results = Vec::with_capacity(accounts.len());
            let mut new = Vec::new();
            for account in accounts {
                let outcome = match first.get(account.as_ref()) {
                    Some(Subscribed::Full) => Subscribed::Full,
                    Some(_) => Subscribed::Already,
                    None if existing.contains(account.as_ref()) => Subscribed::Already,
                    None if room > 0 => {
                        room -= 1;
                        new.push(account);
                        Subscribed::Added
                    }
                    None => Subscribed::Full,
                };
                first.entry(account.as_ref()).or_insert(outcome);
                results.push((account.clone(), outcome));
            }
            if !new.is_empty() {
                let now = crate::clock::now();
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO subscribers (channel_id, account, subscribed_at) ");
                q.push_values(&new, |mut row, account| {
                    row.push_bind(channel_id).push_bind(account.as_ref().to_owned()).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
                let after = before + new.len() as i64;
                sqlx::query("UPDATE channels SET subscriber_count = $1 WHERE id = $2")
                    .bind(after)
                    .bind(channel_id)
                    .execute(&mut *tx)
                    .await?;
                let subject = audit_subject(new.len(), channel_id, &name);
                Store::audit(&mut tx, by, AuditAction::SubscribersAdded, &subject).await?;
                Store::count_day(&mut tx, channel_id, after).await?;
                let added: Vec<&str> = new.iter().map(|a| a.as_ref()).collect();
                let event = NewEvent::subscribers(Callback::AfterAddSubscriber, (channel_id, &account, &name), &added, by);
                self.emit(&mut tx, by, &event).await?;
                if before < max && after >= max {
                    let full = NewEvent::in_channel(Callback::AfterOfficialAccountFull, channel_id, &account, &name, Default::default());
                    self.emit(&mut tx, by, &full).await?;
                }
            }
            tx.commit().await?;
            let after = before + new.len() as i64;
            Ok(Subscriptions { results, became_full: before < max && after >= max })
        }

        async fn remove_subscribers(
            &self,
            channel_id: i64,
            accounts: &[SubscriberAccount],
            by: &Actor,
        ) -> StoreResult<Vec<(SubscriberAccount, Unsubscribed)>> {
            let mut tx = self.begin_write().await?;
            let (name, count, _, account) = Store::lock_channel(&mut tx, channel_id).await?;
            let mut removed: HashSet<String> = HashSet::new();
            if !accounts.is_empty() {
                let mut q = of_accounts("DELETE FROM subscribers", channel_id, accounts.iter());
                q.push(" RETURNING account");
                removed = q.build_query_scalar::<String>().fetch_all(&mut *tx).await?.into_iter().collect();
            }
            if !removed.is_empty() {
                sqlx::query("UPDATE channels SET subscriber_count = $1 WHERE id = $2")
                    .bind(count - removed.len() as i64)
                    .bind(channel_id)
                    .execute(&mut *tx)
                    .await?;
                let subject = audit_subject(removed.len(), channel_id, &name);
                Store::audit(&mut tx, by, AuditAction::SubscribersRemoved, &subject).await?;
                Store::count_day(&mut tx, channel_id, count - removed.len() as i64).await?;
                // In the call's order.
                let gone: Vec<&str> = accounts.iter().map(|a| a.as_ref()).filter(|a| removed.contains(*a)).collect();
                let mut seen = HashSet::new();
                let gone: Vec<&str> = gone.into_iter().filter(|a| seen.insert(*a)).collect();
                let event = NewEvent::subscribers(Callback::AfterDeleteSubscriber, (channel_id, &account, &name), &gone, by);
                self.emit(&mut tx, by, &event).await?;
            }
            tx.commit().await?;
            // Each removed user is answered "removed" once, a second mention "not a subscriber".
            let results = accounts
                .iter()
                .map(|account| {
                    let outcome =
                        if removed.remove(account.as_ref()) { Unsubscribed::Removed } else { Unsubscribed::NotSubscriber };
                    (account.clone(), outcome)
                })
                .collect();
            Ok(results)
        }

        async fn subscribers(
            &self,
            channel_id: i64,
            after: Option<i64>,
            limit: u32,
            prefix: Option<&str>,
        ) -> StoreResult<SubscriberPage> {
            let total: Option<i64> = sqlx::query_scalar("SELECT subscriber_count FROM channels WHERE id = $1")
                .bind(channel_id)
                .fetch_optional(&self.pool)
                .await?;
            let Some(total) = total else { return Err(StoreError::NotFound(Missing::Channel)) };
            let prefix = prefix.filter(|p| !p.is_empty());
            if prefix.is_some_and(|p| !crate::shared::storable(p)) {
                return Ok(SubscriberPage { subscribers: vec![], next: None, total });
            }
            // A post reaches every subscriber when it is published: the last one sent to a
            // subscriber is the channel's newest live post, if they subscribed by then.
            let mut rows: Vec<SubscriberRow> = sqlx::query_as(
                "SELECT s.id, s.account, s.subscribed_at, s.custom_string, s.msg_flag,
                        CASE WHEN last.at >= s.subscribed_at THEN last.at ELSE 0 END
                 FROM subscribers s,
                      (SELECT COALESCE((SELECT created_at FROM posts p WHERE p.channel_id = $1 AND p.recalled_at IS NULL
                                        ORDER BY p.id DESC LIMIT 1), 0) AS at) last
                 WHERE s.channel_id = $1 AND s.id < $2
                   AND ($4 = '' OR substr(s.account, 1, length($4)) = $4)
                 ORDER BY s.id DESC LIMIT $3",
            )
            .bind(channel_id)
            .bind(after.unwrap_or(i64::MAX))
            .bind(i64::from(limit) + 1)
            .bind(prefix.unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
            let next = if rows.len() > limit as usize {
                rows.truncate(limit as usize);
                rows.last().map(|r| r.0)
            } else {
                None
            };
            Ok(SubscriberPage { subscribers: rows.into_iter().map(subscriber).collect(), next, total })
        }

        async fn subscriber_history(&self, channel_id: i64, days: u32, today: i64) -> StoreResult<Vec<i64>> {
            let first = today - i64::from(days) + 1;
            // The days with a change in the window, and the count before it began.
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT day, subscribers FROM subscriber_days WHERE channel_id = $1 AND day >= $2 AND day <= $3
                 UNION ALL
                 SELECT * FROM (SELECT day, subscribers FROM subscriber_days WHERE channel_id = $1 AND day < $2
                                ORDER BY day DESC LIMIT 1) earlier
                 ORDER BY 1",
            )
            .bind(channel_id)
            .bind(first)
            .bind(today)
            .fetch_all(&self.pool)
            .await?;
            let mut counts = Vec::with_capacity(days as usize);
            let mut known = 0;
            let mut changes = rows.into_iter().peekable();
            for day in first..=today {
                while let Some((_, count)) = changes.next_if(|(d, _)| *d <= day) {
                    known = count;
                }
                counts.push(known);
            }
            Ok(counts)
        }

        async fn subscription(&self, channel_id: i64, account: &str) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar("SELECT subscribed_at FROM subscribers WHERE channel_id = $1 AND account = $2")
                .bind(channel_id)
                .bind(account)
                .fetch_optional(&self.pool)
                .await?)
        }

        async fn modify_subscriber(
            &self,
            channel_id: i64,
            account: &SubscriberAccount,
            custom_string: Option<&str>,
            msg_flag: Option<MsgFlag>,
            by: &Actor,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            let (name, _, _, _) = Store::lock_channel(&mut tx, channel_id).await?;
            let changed = sqlx::query(
                "UPDATE subscribers SET custom_string = COALESCE($1, custom_string), msg_flag = COALESCE($2, msg_flag)
                 WHERE channel_id = $3 AND account = $4",
            )
            .bind(custom_string)
            .bind(msg_flag.map(MsgFlag::as_str))
            .bind(channel_id)
            .bind(account.as_ref())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::NotFound(Missing::Subscriber(account.as_ref().to_owned())));
            }
            let subject = format!("{} in {}", account.as_ref(), channel_subject(channel_id, &name));
            Store::audit(&mut tx, by, AuditAction::SubscriberChanged, &subject).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn subscribed_channels(
            &self,
            account: &SubscriberAccount,
            offset: u32,
            limit: u32,
        ) -> StoreResult<(Vec<SubscribedChannel>, u64)> {
            let total: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribers WHERE account = $1")
                .bind(account.as_ref())
                .fetch_one(&self.pool)
                .await?;
            #[derive(sqlx::FromRow)]
            struct Row {
                #[sqlx(flatten)]
                channel: AccountColumns,
                subscribed_at: i64,
                own_custom_string: String,
            }
            let rows: Vec<Row> = sqlx::query_as(&format!(
                "SELECT {ACCOUNT_COLUMNS}, s.subscribed_at, s.custom_string AS own_custom_string
                 FROM subscribers s JOIN channels c ON c.id = s.channel_id
                 WHERE s.account = $1 ORDER BY s.id LIMIT $2 OFFSET $3"
            ))
            .bind(account.as_ref())
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
            let channels = rows
                .into_iter()
                .map(|r| {
                    Ok(SubscribedChannel {
                        channel: AccountRow::try_from(r.channel)?,
                        subscribed_at: r.subscribed_at,
                        custom_string: r.own_custom_string,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok((channels, total as u64))
        }
    }
}
