//! Posts: idempotent publishing, pages cut by id, REST messages, recall, and the errors a
//! publish can return.

use crate::common::*;
use domain::post::ValidFilter;
use domain::{AuditAction, PostFilter, PostPage};
use storage::messages::{MessageMeta, Recall};
use storage::{MediaUse, Missing, StoreError};

fn everything() -> ValidFilter {
    PostFilter::default().validate().unwrap()
}

on_both! {
    async fn a_retried_publish_makes_one_post(db) {
        let made = channel(&db, "news").await;
        let post = text_post(made.id, "hello");
        let meta = MessageMeta { random: 7, cloud_custom_data: "data".into() };
        let first = db.publish(&post, "request-1", &meta, &BY).await.unwrap();
        let again = db.publish(&post, "request-1", &meta, &BY).await.unwrap();
        assert_eq!(first.key, again.key);
        assert_eq!(first.post.as_ref().map(|p| p.id), again.post.as_ref().map(|p| p.id));
        assert_eq!(first.key.random, 7);
        let page = db.list_posts(&everything()).await.unwrap();
        assert_eq!(page.posts.len(), 1);
        assert_eq!((page.posts[0].text.as_str(), page.posts[0].channel_name.as_str()), ("hello", "news"));
        let published = db.audit_page(None).await.unwrap().entries.iter()
            .filter(|e| e.action == AuditAction::PostPublished.as_str()).count();
        assert_eq!(published, 1);

        // Publishes racing with one request id: one post, every answer names it.
        let racing = (0..6).map(|_| {
            let (db, post) = (db.clone(), post.clone());
            tokio::spawn(async move { db.publish(&post, "request-2", &MessageMeta::default(), &BY).await })
        });
        let keys: Vec<_> = futures_util::future::join_all(racing).await.into_iter()
            .map(|r| r.unwrap().unwrap().key).collect();
        assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        assert_eq!(db.list_posts(&everything()).await.unwrap().posts.len(), 2);
    }

    async fn publishing_names_what_is_missing(db) {
        let missing = db.publish(&text_post(404, "x"), "r1", &MessageMeta::default(), &BY).await;
        assert!(matches!(missing, Err(StoreError::NotFound(Missing::Channel))), "{missing:?}");
        let made = channel(&db, "photos").await;
        let known = image(&db, 1).await;
        let unknown = unknown_image();
        let post = image_post(made.id, &[&known, &unknown]);
        let refused = db.publish(&post, "r2", &MessageMeta::default(), &BY).await;
        assert!(
            matches!(&refused, Err(StoreError::UnknownMedia { id, used_as: MediaUse::PostImage }) if *id == unknown),
            "{refused:?}"
        );
        assert!(db.list_posts(&everything()).await.unwrap().posts.is_empty());
        // The request id was not used up by the refused publish.
        let ok = db.publish(&image_post(made.id, &[&known]), "r2", &MessageMeta::default(), &BY).await.unwrap();
        let stored = ok.post.unwrap();
        assert_eq!(stored.images.iter().map(|i| i.media.as_str()).collect::<Vec<_>>(), [known.as_ref()]);
    }

    async fn pages_are_cut_by_id(db) {
        let made = channel(&db, "many").await;
        let total = PostPage::PAGE_SIZE + 3;
        let mut ids = vec![];
        for n in 0..total {
            let post = text_post(made.id, &format!("post {n}"));
            ids.push(db.publish(&post, &format!("r{n}"), &MessageMeta::default(), &BY).await.unwrap().key.post_id);
        }
        let first = db.list_posts(&everything()).await.unwrap();
        assert_eq!(first.posts.len(), PostPage::PAGE_SIZE);
        assert_eq!(first.posts[0].id, ids[total - 1]);
        let before = first.next_before.unwrap();
        // A post published meanwhile does not shift the next page.
        db.publish(&text_post(made.id, "late"), "late", &MessageMeta::default(), &BY).await.unwrap();
        let filter = PostFilter { before: Some(before), ..Default::default() }.validate().unwrap();
        let second = db.list_posts(&filter).await.unwrap();
        assert_eq!(second.posts.iter().map(|p| p.id).collect::<Vec<_>>(), [ids[2], ids[1], ids[0]]);
        assert_eq!(second.next_before, None);

        // REST messages: newest first, `before` excluded, `limit` kept.
        let messages = db.messages(made.id, Some(ids[3]), 2, false).await.unwrap();
        assert_eq!(messages.iter().map(|m| m.key.post_id).collect::<Vec<_>>(), [ids[2], ids[1]]);
        assert!(db.messages(made.id, Some(ids[0]), 10, false).await.unwrap().is_empty());
    }

    async fn a_recall_takes_a_post_out_of_sight_once(db) {
        let made = channel(&db, "recalls").await;
        let pic = image(&db, 9).await;
        let published = db.publish(&image_post(made.id, &[&pic]), "r", &MessageMeta::default(), &BY).await.unwrap();
        let key = published.key;
        let id = key.post_id;
        assert!(db.media_info(&pic).await.unwrap().unwrap().public);

        assert_eq!(db.recall(made.id, &key, "wrong", &BY).await.unwrap(), Recall::Recalled);
        assert_eq!(db.recall(made.id, &key, "wrong", &BY).await.unwrap(), Recall::AlreadyRecalled);
        let other = storage::messages::MessageKey { random: key.random + 1, ..key };
        assert_eq!(db.recall(made.id, &other, "", &BY).await.unwrap(), Recall::NotFound);
        assert_eq!(db.recall(made.id + 1, &key, "", &BY).await.unwrap(), Recall::NotFound);

        assert!(db.post(id).await.unwrap().is_none());
        assert!(db.list_posts(&everything()).await.unwrap().posts.is_empty());
        assert_eq!(db.message_key(id).await.unwrap(), Some((made.id, key)));
        assert!(db.messages(made.id, None, 10, false).await.unwrap().is_empty());
        let with_recalled = db.messages(made.id, None, 10, true).await.unwrap();
        assert_eq!(with_recalled.len(), 1);
        assert!(with_recalled[0].recalled);
        assert_eq!(with_recalled[0].images.len(), 1);
        // Its image is for operators only now.
        assert!(!db.media_info(&pic).await.unwrap().unwrap().public);
        let recalled = PostFilter { recalled: true, ..Default::default() }.validate().unwrap();
        let listed = db.list_posts(&recalled).await.unwrap().posts;
        assert_eq!(listed.len(), 1);
        assert!(listed[0].recalled_at.is_some());

        // Recalls racing: one recalls, the rest find it recalled already.
        let key = db.publish(&text_post(made.id, "race"), "r2", &MessageMeta::default(), &BY).await.unwrap().key;
        let racing = (0..5).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.recall(made.id, &key, "", &BY).await })
        });
        let outcomes: Vec<Recall> =
            futures_util::future::join_all(racing).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == Recall::Recalled).count(), 1, "{outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| **o == Recall::AlreadyRecalled).count(), 4, "{outcomes:?}");
    }
}
