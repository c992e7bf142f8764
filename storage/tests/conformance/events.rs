//! The event log and webhook outbox: an event is written with its change (or not at all),
//! pending only when the webhook is on for it; claims hand each due delivery to one claimer
//! at a time, however many race; results of a claim taken over are not recorded.

use crate::common::*;
use domain::webhook::{ValidWebhook, WebhookToken, WebhookUrl};
use domain::{ChannelFields, DeliveryState, SubscriberAccount, WhenUnreachable};
use std::collections::HashSet;
use std::sync::Arc;
use storage::events::{Attempt, NewEvent};

async fn webhook_on(db: &Arc<dyn storage::Database>, callbacks: i64) {
    let settings = ValidWebhook {
        url: Some(WebhookUrl::parse("https://hooks.example.com/im").unwrap()),
        token: WebhookToken::default(),
        callbacks,
        when_unreachable: WhenUnreachable::Allow,
    };
    db.save_webhook(&settings, &BY).await.unwrap();
}

fn test_event() -> NewEvent {
    NewEvent {
        callback: None,
        channel_id: None,
        channel_account: String::new(),
        channel_name: String::new(),
        fields: Default::default(),
    }
}

fn attempt(id: i64, attempt: i64, error: &str, retry_at: Option<i64>) -> Attempt {
    Attempt { id, attempt, at: 1, status: Some(500), error: error.to_owned(), latency_ms: 3, retry_at }
}

on_both! {
    async fn events_are_pending_only_when_switched_on(db) {
        let fields = ChannelFields::parse_without_photo("quiet", "").unwrap();
        db.create_channel(&fields, None, &Default::default(), &BY).await.unwrap();
        assert_eq!(db.pending_deliveries().await.unwrap(), 0);
        webhook_on(&db, domain::Callback::AfterCreateOfficialAccount.bit()).await;
        let fields = ChannelFields::parse_without_photo("heard", "").unwrap();
        let channel = db.create_channel(&fields, None, &Default::default(), &BY).await.unwrap();
        // Another callback, switched off: recorded, not delivered.
        db.add_subscribers(channel.id, &[SubscriberAccount::parse("u").unwrap()], &BY).await.unwrap();
        assert_eq!(db.pending_deliveries().await.unwrap(), 1);
        let page = db.deliveries(None, false).await.unwrap();
        assert_eq!(page.deliveries.len(), 1);
        assert_eq!(page.deliveries[0].command, "OfficialAccount.CallbackAfterCreateOfficialAccount");
        assert_eq!(page.deliveries[0].channel, "heard");
        // A change refused records nothing.
        assert!(db.create_channel(&fields, Some(&domain::AccountId::parse(&channel.account_id).unwrap()), &Default::default(), &BY).await.is_err());
        assert_eq!(db.pending_deliveries().await.unwrap(), 1);
    }

    async fn a_claim_holds_an_event_until_its_lease_ends(db) {
        webhook_on(&db, 0).await;
        db.record_event(&test_event(), &BY).await.unwrap();
        let claimed = db.claim_deliveries(1_000, 60_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].attempts, 1);
        assert_eq!(claimed[0].command, "OfficialAccount.CallbackTest");
        let id = claimed[0].id;
        assert!(db.claim_deliveries(1_000, 60_000, 10).await.unwrap().is_empty(), "held by its claim");
        // The claimer died: the lease runs out and another takes it, as attempt 2.
        let again = db.claim_deliveries(61_000, 60_000, 10).await.unwrap();
        assert_eq!((again[0].id, again[0].attempts), (id, 2));
        // While an attempt is under way it cannot be redelivered (a second one beside it).
        assert!(!db.redeliver(id, &BY).await.unwrap());
        // The first claimer's late result is not recorded; the second's is.
        db.finish_deliveries(&[attempt(id, 1, "", None)]).await.unwrap();
        assert_eq!(db.pending_deliveries().await.unwrap(), 1);
        db.finish_deliveries(&[attempt(id, 2, "HTTP 500", Some(70_000))]).await.unwrap();
        assert!(db.claim_deliveries(69_999, 60_000, 10).await.unwrap().is_empty());
        let failing = db.deliveries(None, true).await.unwrap();
        assert_eq!(failing.deliveries[0].state, DeliveryState::Pending);
        assert_eq!(failing.deliveries[0].next_attempt_at, Some(70_000));
        let third = db.claim_deliveries(70_000, 60_000, 10).await.unwrap();
        db.finish_deliveries(&[attempt(id, third[0].attempts, "HTTP 500", None)]).await.unwrap();
        assert_eq!(db.deliveries(None, true).await.unwrap().deliveries[0].state, DeliveryState::Failed);
        assert_eq!(db.pending_deliveries().await.unwrap(), 0);
        assert!(db.redeliver(id, &BY).await.unwrap());
        let fourth = db.claim_deliveries(0, 60_000, 10).await.unwrap();
        db.finish_deliveries(&[attempt(id, fourth[0].attempts, "", None)]).await.unwrap();
        assert!(db.deliveries(None, true).await.unwrap().deliveries.is_empty());
        assert_eq!(db.deliveries(None, false).await.unwrap().deliveries[0].state, DeliveryState::Delivered);
        assert!(!db.redeliver(id, &BY).await.unwrap(), "delivered: nothing to redeliver");
        // Old events with nothing left to deliver are forgotten; pending ones never are.
        db.record_event(&test_event(), &BY).await.unwrap();
        assert_eq!(db.prune_events(i64::MAX).await.unwrap(), 1);
        assert_eq!(db.pending_deliveries().await.unwrap(), 1);
        assert_eq!(db.deliveries(None, false).await.unwrap().deliveries.len(), 1);
    }

    async fn racing_claimers_take_each_event_once(db) {
        webhook_on(&db, 0).await;
        for _ in 0..300 {
            db.record_event(&test_event(), &BY).await.unwrap();
        }
        let claimers = (0..8).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = db.claim_deliveries(1_000, 600_000, 7).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|c| c.id));
                }
            })
        });
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(all.len(), 300, "each event claimed once");
        assert_eq!(distinct.len(), 300);
    }

    async fn subscribers_are_searched_by_prefix_and_counted_per_day(db) {
        let fields = ChannelFields::parse_without_photo("grows", "").unwrap();
        let id = db.create_channel(&fields, None, &Default::default(), &BY).await.unwrap().id;
        let users: Vec<SubscriberAccount> =
            ["alice", "alina", "Alan", "bob"].iter().map(|u| SubscriberAccount::parse(u).unwrap()).collect();
        db.add_subscribers(id, &users, &BY).await.unwrap();
        let found = db.subscribers(id, None, 10, Some("ali")).await.unwrap();
        let names: Vec<&str> = found.subscribers.iter().map(|s| s.account.as_str()).collect();
        assert_eq!(names, ["alina", "alice"], "exact prefix, newest first");
        assert_eq!(found.total, 4);
        let today = storage::clock::now().div_euclid(86_400);
        let history = db.subscriber_history(id, 30, today).await.unwrap();
        assert_eq!(history.len(), 30);
        assert_eq!(history[29], 4);
        assert_eq!(history[0], 0);
        db.remove_subscribers(id, &users[..1], &BY).await.unwrap();
        assert_eq!(db.subscriber_history(id, 30, today).await.unwrap()[29], 3);
        // A later window carries the last count forward.
        assert_eq!(db.subscriber_history(id, 3, today + 40).await.unwrap(), [3, 3, 3]);
        let channel = db.channel(id).await.unwrap().unwrap();
        assert_eq!((channel.subscriber_count, channel.post_count, channel.last_post_at), (3, 0, None));
    }
}
