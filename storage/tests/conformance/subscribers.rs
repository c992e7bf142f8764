//! Subscribers: the kept count, the maximum under racing calls, pages newest first that stay
//! put while subscribers come and go, and each user's channels.

use crate::common::*;
use domain::{AccountFields, ChannelFields, MsgFlag, SubscriberAccount};
use storage::database::{Subscribed, Unsubscribed};
use storage::{Missing, StoreError};

fn users(names: &[&str]) -> Vec<SubscriberAccount> {
    names.iter().map(|n| SubscriberAccount::parse(n).unwrap()).collect()
}

async fn channel_with_room(db: &std::sync::Arc<dyn storage::Database>, name: &str, max: i64) -> i64 {
    let fields = ChannelFields::parse_without_photo(name, "").unwrap();
    let extra = AccountFields { max_subscribers: Some(max), ..Default::default() };
    db.create_channel(&fields, None, &extra, &BY).await.unwrap().id
}

on_both! {
    async fn adding_answers_each_user_and_keeps_the_count(db) {
        let id = channel_with_room(&db, "news", 3).await;
        let added = db.add_subscribers(id, &users(&["a", "b", "a"]), &BY).await.unwrap();
        let outcomes: Vec<Subscribed> = added.results.iter().map(|(_, o)| *o).collect();
        assert_eq!(outcomes, [Subscribed::Added, Subscribed::Added, Subscribed::Already]);
        assert!(!added.became_full);
        // One more fits; the next is refused; one already there is "already", full or not.
        let added = db.add_subscribers(id, &users(&["b", "c", "d"]), &BY).await.unwrap();
        let outcomes: Vec<Subscribed> = added.results.iter().map(|(_, o)| *o).collect();
        assert_eq!(outcomes, [Subscribed::Already, Subscribed::Added, Subscribed::Full]);
        assert!(added.became_full);
        let again = db.add_subscribers(id, &users(&["e", "e", "a"]), &BY).await.unwrap();
        let outcomes: Vec<Subscribed> = again.results.iter().map(|(_, o)| *o).collect();
        // Refused twice, not "already" the second time; one already there is "already".
        assert_eq!(outcomes, [Subscribed::Full, Subscribed::Full, Subscribed::Already]);
        assert!(!again.became_full, "full once, not again");
        let account = db.channel(id).await.unwrap().unwrap().account_id;
        assert_eq!(db.account(&account).await.unwrap().unwrap().subscriber_count, 3);

        let removed = db.remove_subscribers(id, &users(&["a", "zz", "a"]), &BY).await.unwrap();
        let outcomes: Vec<Unsubscribed> = removed.iter().map(|(_, o)| *o).collect();
        assert_eq!(outcomes, [Unsubscribed::Removed, Unsubscribed::NotSubscriber, Unsubscribed::NotSubscriber]);
        let page = db.subscribers(id, None, 10, None).await.unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.subscribers.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(), ["c", "b"]);
        // Room again: one may join.
        let added = db.add_subscribers(id, &users(&["e"]), &BY).await.unwrap();
        assert_eq!(added.results[0].1, Subscribed::Added);
        assert!(added.became_full);
    }

    async fn racing_calls_never_pass_the_maximum(db) {
        let id = channel_with_room(&db, "popular", 50).await;
        let calls = (0..8).map(|call| {
            let db = db.clone();
            let names: Vec<String> = (0..10).map(|n| format!("user-{call}-{n}")).collect();
            tokio::spawn(async move {
                let accounts: Vec<SubscriberAccount> =
                    names.iter().map(|n| SubscriberAccount::parse(n).unwrap()).collect();
                db.add_subscribers(id, &accounts, &BY).await
            })
        });
        let answers: Vec<_> = futures_util::future::join_all(calls).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        let added = answers.iter().flat_map(|a| &a.results).filter(|(_, o)| *o == Subscribed::Added).count();
        let full = answers.iter().flat_map(|a| &a.results).filter(|(_, o)| *o == Subscribed::Full).count();
        assert_eq!((added, full), (50, 30));
        assert_eq!(answers.iter().filter(|a| a.became_full).count(), 1, "the channel became full once");
        let page = db.subscribers(id, None, 200, None).await.unwrap();
        assert_eq!((page.total, page.subscribers.len()), (50, 50));
    }

    async fn pages_are_newest_first_and_stay_put(db) {
        let id = channel_with_room(&db, "paged", 1000).await;
        for n in 0..5 {
            db.add_subscribers(id, &users(&[&format!("u{n}")]), &BY).await.unwrap();
        }
        let first = db.subscribers(id, None, 2, None).await.unwrap();
        assert_eq!(first.subscribers.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(), ["u4", "u3"]);
        // Someone joins and someone on the next page leaves: the next page goes on from u3.
        db.add_subscribers(id, &users(&["late"]), &BY).await.unwrap();
        db.remove_subscribers(id, &users(&["u1"]), &BY).await.unwrap();
        let second = db.subscribers(id, first.next, 2, None).await.unwrap();
        assert_eq!(second.subscribers.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(), ["u2", "u0"]);
        assert_eq!(second.next, None);
        assert_eq!(second.total, 5);
        let missing = db.subscribers(404, None, 2, None).await;
        assert!(matches!(missing, Err(StoreError::NotFound(Missing::Channel))), "{missing:?}");
    }

    async fn a_subscription_is_changed_and_each_user_lists_their_channels(db) {
        let (one, two) = (channel_with_room(&db, "one", 10).await, channel_with_room(&db, "two", 10).await);
        db.add_subscribers(two, &users(&["fan", "other"]), &BY).await.unwrap();
        db.add_subscribers(one, &users(&["fan"]), &BY).await.unwrap();
        let fan = SubscriberAccount::parse("fan").unwrap();
        db.modify_subscriber(one, &fan, Some("vip"), Some(MsgFlag::Discard), &BY).await.unwrap();
        db.modify_subscriber(one, &fan, None, None, &BY).await.unwrap();
        let page = db.subscribers(one, None, 10, None).await.unwrap();
        assert_eq!((page.subscribers[0].custom_string.as_str(), page.subscribers[0].msg_flag), ("vip", MsgFlag::Discard));
        let stranger = SubscriberAccount::parse("stranger").unwrap();
        let refused = db.modify_subscriber(one, &stranger, Some("x"), None, &BY).await;
        assert!(matches!(&refused, Err(StoreError::NotFound(Missing::Subscriber(a))) if a == "stranger"), "{refused:?}");
        let refused = db.modify_subscriber(404, &fan, Some("x"), None, &BY).await;
        assert!(matches!(refused, Err(StoreError::NotFound(Missing::Channel))), "{refused:?}");

        // In the order they subscribed, with the user's own subscription.
        let (channels, total) = db.subscribed_channels(&fan, 0, 10).await.unwrap();
        assert_eq!(total, 2);
        let names: Vec<_> = channels.iter().map(|c| (c.channel.name.as_str(), c.custom_string.as_str())).collect();
        assert_eq!(names, [("two", ""), ("one", "vip")]);
        let (page, total) = db.subscribed_channels(&fan, 1, 10).await.unwrap();
        assert_eq!((page.len(), total, page[0].channel.name.as_str()), (1, 2, "one"));
        assert_eq!(page[0].channel.subscriber_count, 1);

        // A deleted channel takes its subscribers with it.
        db.delete_channel(two, &BY).await.unwrap();
        let (channels, total) = db.subscribed_channels(&fan, 0, 10).await.unwrap();
        assert_eq!((channels.len(), total), (1, 1));
        let none = db.add_subscribers(two, &users(&["fan"]), &BY).await;
        assert!(matches!(none, Err(StoreError::NotFound(Missing::Channel))), "{none:?}");
    }
}
