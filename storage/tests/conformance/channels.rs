//! Channels: pages, the name order of the selects, the REST account fields, and every error
//! a channel change can return.

use crate::common::*;
use domain::{AccountFields, AccountId, ChannelFields, ChannelPage};
use storage::messages::AccountChanges;
use storage::{Conflict, MediaUse, Missing, StoreError};

on_both! {
    async fn pages_are_newest_first_and_clamped(db) {
        let size = ChannelPage::PAGE_SIZE as usize;
        let empty = db.list_channels(1).await.unwrap();
        assert_eq!((empty.page, empty.page_count, empty.total, empty.channels.len()), (1, 1, 0, 0));
        let mut ids = vec![];
        for n in 0..size {
            ids.push(channel(&db, &format!("channel {n}")).await.id);
        }
        // Exactly one page's worth: one page.
        let one = db.list_channels(1).await.unwrap();
        assert_eq!((one.page, one.page_count, one.total), (1, 1, size as u64));
        assert_eq!(one.channels.first().map(|c| c.id), ids.last().copied());
        ids.push(channel(&db, "one more").await.id);
        let first = db.list_channels(1).await.unwrap();
        assert_eq!((first.page_count, first.total, first.channels.len()), (2, size as u64 + 1, size));
        assert_eq!(first.channels[0].name, "one more");
        let second = db.list_channels(2).await.unwrap();
        assert_eq!(second.channels.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[0]]);
        // Page 0 is the first, a page past the end the last.
        assert_eq!(db.list_channels(0).await.unwrap().page, 1);
        let past = db.list_channels(99).await.unwrap();
        assert_eq!((past.page, past.channels.len()), (2, 1));
    }

    async fn options_are_ordered_by_the_name_rule(db) {
        for raw in ["beta", "alpha", "서울 채널", "Alpha", "Émile", "ángel", "Zulu"] {
            channel(&db, raw).await;
        }
        let names: Vec<String> = db.channel_options().await.unwrap().into_iter().map(|o| o.name).collect();
        // "alpha" and "Alpha" are equal under the rule: the older first (not "A" < "a").
        assert_eq!(names, ["alpha", "Alpha", "beta", "Zulu", "Émile", "ángel", "서울 채널"]);
    }

    async fn changes_to_missing_channels_are_not_found(db) {
        let fields = ChannelFields::parse_without_photo("name", "profile").unwrap();
        let update = db.update_channel(404, &fields, &BY).await;
        assert!(matches!(update, Err(StoreError::NotFound(Missing::Channel))), "{update:?}");
        let delete = db.delete_channel(404, &BY).await;
        assert!(matches!(delete, Err(StoreError::NotFound(Missing::Channel))), "{delete:?}");
        let account = db.update_account(404, &AccountChanges::default(), &BY).await;
        assert!(matches!(account, Err(StoreError::NotFound(Missing::Channel))), "{account:?}");
        assert!(db.channel(404).await.unwrap().is_none());
        assert!(db.account("@TOA#_nobody").await.unwrap().is_none());
        assert!(db.account("@TOA#_\0").await.unwrap().is_none());
    }

    async fn a_photo_must_be_uploaded(db) {
        let unknown = unknown_image();
        let fields = ChannelFields::parse("name", "profile", unknown.as_ref()).unwrap();
        let created = db.create_channel(&fields, None, &AccountFields::default(), &BY).await;
        assert!(
            matches!(&created, Err(StoreError::UnknownMedia { id, used_as: MediaUse::ChannelPhoto }) if *id == unknown),
            "{created:?}"
        );
        let existing = channel(&db, "plain").await;
        let updated = db.update_channel(existing.id, &fields, &BY).await;
        assert!(matches!(updated, Err(StoreError::UnknownMedia { used_as: MediaUse::ChannelPhoto, .. })), "{updated:?}");
        assert_eq!(db.channel(existing.id).await.unwrap().unwrap().name, "plain");
    }

    async fn a_replaced_photo_is_orphaned_and_a_deleted_channel_takes_its_images(db) {
        let (old, new, in_post) = (image(&db, 1).await, image(&db, 2).await, image(&db, 3).await);
        let fields = ChannelFields::parse("name", "profile", old.as_ref()).unwrap();
        let made = db.create_channel(&fields, None, &AccountFields::default(), &BY).await.unwrap();
        assert_eq!(made.photo.as_deref(), Some(old.as_ref()));
        let replaced = ChannelFields::parse("renamed", "profile", new.as_ref()).unwrap();
        let (channel, orphans) = db.update_channel(made.id, &replaced, &BY).await.unwrap();
        assert_eq!((channel.name.as_str(), channel.photo.as_deref()), ("renamed", Some(new.as_ref())));
        assert_eq!(orphans.0, std::slice::from_ref(&old));
        assert!(db.media_info(&old).await.unwrap().is_none());

        db.publish(&image_post(made.id, &[&in_post]), "req-1", &Default::default(), &BY).await.unwrap();
        let mut orphans = db.delete_channel(made.id, &BY).await.unwrap().0;
        orphans.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
        assert_eq!(orphans, [new, in_post]);
        assert!(db.channel(made.id).await.unwrap().is_none());
        assert!(db.messages(made.id, None, 10, true).await.unwrap().is_empty());
    }

    async fn account_ids_are_unique(db) {
        let fields = ChannelFields::parse_without_photo("first", "").unwrap();
        let account = AccountId::parse("@TOA#_same").unwrap();
        let extra = AccountFields { owner: Some("owner".into()), max_subscribers: Some(10), ..Default::default() };
        let first = db.create_channel(&fields, Some(&account), &extra, &BY).await.unwrap();
        assert_eq!(first.account_id, "@TOA#_same");
        let again = db.create_channel(&fields, Some(&account), &AccountFields::default(), &BY).await;
        assert!(
            matches!(&again, Err(StoreError::Conflict(Conflict::AccountIdTaken(id))) if id == "@TOA#_same"),
            "{again:?}"
        );
        let row = db.account("@TOA#_same").await.unwrap().unwrap();
        assert_eq!((row.owner_account.as_str(), row.max_subscribers, row.face_url), ("owner", 10, None));

        // The REST fields change one by one; an empty FaceUrl clears it.
        let changes = AccountChanges {
            extra: AccountFields { face_url: Some("https://example.com/a.png".into()), ..Default::default() },
            ..Default::default()
        };
        db.update_account(first.id, &changes, &BY).await.unwrap();
        let row = db.account("@TOA#_same").await.unwrap().unwrap();
        assert_eq!((row.face_url.as_deref(), row.owner_account.as_str()), (Some("https://example.com/a.png"), "owner"));
        let clear = AccountChanges {
            extra: AccountFields { face_url: Some(String::new()), ..Default::default() },
            ..Default::default()
        };
        db.update_account(first.id, &clear, &BY).await.unwrap();
        assert_eq!(db.account("@TOA#_same").await.unwrap().unwrap().face_url, None);
    }
}

on_both! {
    async fn unused_images_are_forgotten_and_swept_but_not_claimed_or_used_ones(db) {
        let dir = std::env::temp_dir().join(format!("conformance_media_{}", std::process::id()));
        let files = storage::media::MediaStore::open(&storage::media::MediaUrl::File(dir.join("media")), &dir, 1 << 20)
            .await
            .unwrap();
        let (unused, photo) = (image(&db, 21).await, image(&db, 22).await);
        let fields = ChannelFields::parse("with photo", "", photo.as_ref()).unwrap();
        db.create_channel(&fields, None, &AccountFields::default(), &BY).await.unwrap();
        let later = storage::clock::now() + 10;
        // Only the image nothing uses is forgotten (and put on the sweep list).
        assert_eq!(db.forget_unused_media(later).await.unwrap(), std::slice::from_ref(&unused));
        assert!(db.media_info(&unused).await.unwrap().is_none());
        assert_eq!(db.media_info(&photo).await.unwrap().map(|m| m.public), Some(true));
        // A claim (an upload writing it again) keeps it off the sweep; finishing records it.
        db.claim_media(&unused).await.unwrap();
        assert!(db.sweep_media(None, later, &files).await.unwrap().is_empty());
        db.release_media(&unused).await.unwrap();
        // Released without being recorded: swept once orphaned long enough, and only once.
        assert!(db.sweep_media(None, storage::clock::now() - 10, &files).await.unwrap().is_empty());
        let only = std::slice::from_ref(&unused);
        assert_eq!(db.sweep_media(Some(only), later, &files).await.unwrap(), only);
        assert!(db.sweep_media(None, later, &files).await.unwrap().is_empty());
        // An upload's claim and record: private until a channel or a live post uses it.
        db.claim_media(&unused).await.unwrap();
        let media = storage::media::StoredMedia {
            id: unused.clone(),
            content_type: "image/png",
            bytes: 10,
            width: None,
            height: None,
        };
        db.finish_media(&media).await.unwrap();
        assert_eq!(db.media_info(&unused).await.unwrap().map(|m| m.public), Some(false));
        assert!(db.sweep_media(None, later, &files).await.unwrap().is_empty());
    }
}
