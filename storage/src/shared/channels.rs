//! Channels, and the REST API's account fields of each.

use crate::audit::Actor;
use crate::database::{media_id, ChannelStore, Orphans};
use crate::error::{Conflict, MediaUse, Missing, StoreError, StoreResult};
use crate::events::NewEvent;
use crate::messages::{AccountChanges, AccountRow};
use crate::rows::{channel_subject as subject, ChannelRow};
use crate::shared::storable;
use crate::{clock, random};
use async_trait::async_trait;
use domain::{
    AccountFields, AccountId, AuditAction, Callback, Channel, ChannelFields, ChannelOption, ChannelPage, MediaId,
};

/// A channel as the console shows it (SQLite's `account_id` is nullable: channels made
/// before the REST API existed were given one by a migration). Its posts are counted on
/// the posts' channel index (all, less the few recalled), and its last post is the newest
/// live one on that index: publishing never writes the channel's row, so publishes to one
/// channel never queue on it.
const COLUMNS: &str = "id, name, profile, photo, COALESCE(account_id, '') AS account_id, \
     face_url, created_at, updated_at, subscriber_count, max_subscribers, \
     (SELECT count(*) FROM posts p WHERE p.channel_id = channels.id) \
       - (SELECT count(*) FROM posts p WHERE p.channel_id = channels.id AND p.recalled_at IS NOT NULL) AS post_count, \
     (SELECT created_at FROM posts p WHERE p.channel_id = channels.id AND p.recalled_at IS NULL \
       ORDER BY p.id DESC LIMIT 1) AS last_post_at";

/// A channel as the REST API describes it, read from `channels c` (with its last live
/// post's time).
pub(crate) const ACCOUNT_COLUMNS: &str = "c.id, c.account_id, c.name, c.profile, c.photo, c.face_url, \
     c.owner_account, c.organization, c.custom_string, c.max_subscribers, c.subscriber_count, c.created_at, \
     (SELECT created_at FROM posts p WHERE p.channel_id = c.id AND p.recalled_at IS NULL \
       ORDER BY p.id DESC LIMIT 1) AS last_msg_time";

/// The row [`ACCOUNT_COLUMNS`] reads.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountColumns {
    id: i64,
    account_id: String,
    name: String,
    profile: String,
    photo: Option<String>,
    face_url: Option<String>,
    owner_account: String,
    organization: String,
    custom_string: String,
    max_subscribers: i64,
    subscriber_count: i64,
    created_at: i64,
    last_msg_time: Option<i64>,
}

impl TryFrom<AccountColumns> for AccountRow {
    type Error = StoreError;

    fn try_from(r: AccountColumns) -> Result<Self, StoreError> {
        Ok(AccountRow {
            id: r.id,
            account_id: r.account_id,
            name: r.name,
            profile: r.profile,
            photo: r.photo.map(media_id).transpose()?,
            face_url: r.face_url,
            owner_account: r.owner_account,
            organization: r.organization,
            custom_string: r.custom_string,
            max_subscribers: r.max_subscribers,
            subscriber_count: r.subscriber_count,
            created_at: r.created_at,
            last_msg_time: r.last_msg_time,
        })
    }
}

on_both_engines! {
    impl Store {
        /// That an image is recorded. Holds the image's row for the rest of the transaction,
        /// so that no concurrent deletion can remove it before the reference to it is
        /// committed.
        pub(crate) async fn require_media(tx: &mut Conn, id: &MediaId, used_as: MediaUse) -> StoreResult<()> {
            let found: Option<i32> = sqlx::query_scalar(concat!("SELECT 1 FROM media WHERE id = $1", for_share!()))
                .bind(id.as_ref())
                .fetch_optional(&mut *tx)
                .await?;
            match found {
                Some(_) => Ok(()),
                None => Err(StoreError::UnknownMedia { id: id.clone(), used_as }),
            }
        }

        /// The channel as the REST API describes it, read inside a transaction.
        pub(crate) async fn account_row(tx: &mut Conn, id: i64) -> StoreResult<AccountRow> {
            let row = sqlx::query_as::<_, AccountColumns>(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM channels c WHERE c.id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            row.map(AccountRow::try_from).transpose()?.ok_or(StoreError::NotFound(Missing::Channel))
        }

        /// Records a change to a channel itself in the event log.
        async fn channel_event(&self, tx: &mut Conn, id: i64, callback: Callback, by: &Actor) -> StoreResult<()> {
            let row = Store::account_row(tx, id).await?;
            self.emit(tx, by, &NewEvent::channel(callback, &row, by)).await?;
            Ok(())
        }

        /// Deletes the media row when nothing uses it any more; its file can then go.
        pub(crate) async fn delete_if_orphaned(tx: &mut Conn, media: String) -> StoreResult<Orphans> {
            let deleted = sqlx::query(
                "DELETE FROM media WHERE id = $1
                   AND NOT EXISTS (SELECT 1 FROM channels WHERE photo = $1)
                   AND NOT EXISTS (SELECT 1 FROM post_images WHERE media = $1)",
            )
            .bind(&media)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if deleted == 0 {
                return Ok(Orphans::default());
            }
            sqlx::query(
                "INSERT INTO media_sweep (id, orphaned_at) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET orphaned_at = excluded.orphaned_at",
            )
            .bind(&media)
            .bind(clock::now())
            .execute(&mut *tx)
            .await?;
            Ok(Orphans(vec![media_id(media)?]))
        }
    }

    #[async_trait]
    impl ChannelStore for Store {
        async fn list_channels(&self, page: u32) -> StoreResult<ChannelPage> {
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channels").fetch_one(&self.pool).await?;
            let size = ChannelPage::PAGE_SIZE;
            let page_count = ((total as u64).div_ceil(size as u64)).max(1) as u32;
            let page = page.clamp(1, page_count);
            let rows = sqlx::query_as::<_, ChannelRow>(&format!(
                "SELECT {COLUMNS} FROM channels ORDER BY id DESC LIMIT $1 OFFSET $2"
            ))
            .bind(size as i64)
            .bind(((page - 1) * size) as i64)
            .fetch_all(&self.pool)
            .await?;
            let channels = rows.into_iter().map(Channel::from).collect();
            Ok(ChannelPage { channels, page, page_count, total: total as u64 })
        }

        async fn channel(&self, id: i64) -> StoreResult<Option<Channel>> {
            let row = sqlx::query_as::<_, ChannelRow>(&format!("SELECT {COLUMNS} FROM channels WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.map(Channel::from))
        }

        async fn channel_options(&self) -> StoreResult<Vec<ChannelOption>> {
            let rows: Vec<(i64, String, Option<String>)> =
                sqlx::query_as(concat!("SELECT id, name, photo FROM channels ORDER BY ", name_order!("name"), ", id"))
                    .fetch_all(&self.pool)
                    .await?;
            Ok(rows.into_iter().map(|(id, name, photo)| ChannelOption { id, name, photo }).collect())
        }

        async fn create_channel(
            &self,
            fields: &ChannelFields,
            account: Option<&AccountId>,
            extra: &AccountFields,
            by: &Actor,
        ) -> StoreResult<Channel> {
            let ChannelFields { name, profile, photo } = fields;
            let account = match account {
                Some(id) => id.clone(),
                None => AccountId::generated(random::bytes()),
            };
            let mut tx = self.begin_write().await?;
            if let Some(photo) = photo {
                Store::require_media(&mut tx, photo, MediaUse::ChannelPhoto).await?;
            }
            let now = clock::now();
            // The unique account id decides between concurrent creators: one statement.
            let row = sqlx::query_as::<_, ChannelRow>(&format!(
                "INSERT INTO channels (name, profile, photo, account_id, owner_account, face_url,
                     organization, custom_string, max_subscribers, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9, $10, $10)
                 ON CONFLICT (account_id) DO NOTHING RETURNING {COLUMNS}"
            ))
            .bind(name.as_ref())
            .bind(profile.as_ref())
            .bind(photo.as_ref().map(|p| p.as_ref()))
            .bind(account.as_ref())
            .bind(extra.owner.as_deref().unwrap_or_default())
            .bind(extra.face_url.as_deref().unwrap_or_default())
            .bind(extra.organization.as_deref().unwrap_or_default())
            .bind(extra.custom_string.as_deref().unwrap_or_default())
            .bind(extra.max_subscribers.unwrap_or(AccountFields::DEFAULT_MAX_SUBSCRIBERS))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(StoreError::Conflict(Conflict::AccountIdTaken(account.as_ref().to_owned())));
            };
            Store::audit(&mut tx, by, AuditAction::ChannelCreated, &subject(row.id(), row.name())).await?;
            self.channel_event(&mut tx, row.id(), Callback::AfterCreateOfficialAccount, by).await?;
            tx.commit().await?;
            Ok(row.into())
        }

        async fn update_channel(&self, id: i64, fields: &ChannelFields, by: &Actor) -> StoreResult<(Channel, Orphans)> {
            let ChannelFields { name, profile, photo } = fields;
            let mut tx = self.begin_write().await?;
            let old_photo: Option<Option<String>> =
                sqlx::query_scalar(concat!("SELECT photo FROM channels WHERE id = $1", for_update!()))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(old_photo) = old_photo else {
                return Err(StoreError::NotFound(Missing::Channel));
            };
            if let Some(photo) = photo {
                Store::require_media(&mut tx, photo, MediaUse::ChannelPhoto).await?;
            }
            // A photo set in the console replaces an avatar address given through the API.
            let row = sqlx::query_as::<_, ChannelRow>(&format!(
                "UPDATE channels SET name = $1, profile = $2, photo = COALESCE($3, photo),
                     face_url = CASE WHEN $3 IS NULL THEN face_url ELSE NULL END, updated_at = $4
                 WHERE id = $5 RETURNING {COLUMNS}"
            ))
            .bind(name.as_ref())
            .bind(profile.as_ref())
            .bind(photo.as_ref().map(|p| p.as_ref()))
            .bind(clock::now())
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let replaced = old_photo.filter(|old| photo.as_ref().is_some_and(|new| new.as_ref() != old));
            let orphans = match replaced {
                Some(old) => Store::delete_if_orphaned(&mut tx, old).await?,
                None => Orphans::default(),
            };
            Store::audit(&mut tx, by, AuditAction::ChannelEdited, &subject(row.id(), row.name())).await?;
            self.channel_event(&mut tx, row.id(), Callback::AfterOfficialAccountInfoChanged, by).await?;
            tx.commit().await?;
            Ok((row.into(), orphans))
        }

        async fn delete_channel(&self, id: i64, by: &Actor) -> StoreResult<Orphans> {
            let mut tx = self.begin_write().await?;
            // Locked first: a publish to this channel (on PostgreSQL it holds the row FOR
            // SHARE; on SQLite the write lock) waits, so the images read next are all its
            // posts will ever have.
            let found: Option<i64> = sqlx::query_scalar(concat!("SELECT id FROM channels WHERE id = $1", for_update!()))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::NotFound(Missing::Channel));
            }
            self.channel_event(&mut tx, id, Callback::AfterOfficialAccountDestroyed, by).await?;
            let mut candidates: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT i.media FROM post_images i JOIN posts p ON p.id = i.post_id WHERE p.channel_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let (name, photo): (String, Option<String>) =
                sqlx::query_as("DELETE FROM channels WHERE id = $1 RETURNING name, photo")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            candidates.extend(photo);
            let mut orphans = Orphans::default();
            for media in candidates {
                orphans.0.extend(Store::delete_if_orphaned(&mut tx, media).await?.0);
            }
            Store::audit(&mut tx, by, AuditAction::ChannelDeleted, &subject(id, &name)).await?;
            tx.commit().await?;
            Ok(orphans)
        }

        async fn account(&self, account_id: &str) -> StoreResult<Option<AccountRow>> {
            if !storable(account_id) {
                return Ok(None);
            }
            let row = sqlx::query_as::<_, AccountColumns>(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM channels c WHERE c.account_id = $1"
            ))
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
            row.map(AccountRow::try_from).transpose()
        }

        async fn update_account(&self, id: i64, changes: &AccountChanges, by: &Actor) -> StoreResult<()> {
            let extra = &changes.extra;
            let mut tx = self.begin_write().await?;
            let name: Option<String> = sqlx::query_scalar(
                "UPDATE channels SET
                     name = COALESCE($1, name), profile = COALESCE($2, profile),
                     owner_account = COALESCE($3, owner_account),
                     face_url = CASE WHEN CAST($4 AS TEXT) IS NULL THEN face_url ELSE NULLIF($4, '') END,
                     organization = COALESCE($5, organization), custom_string = COALESCE($6, custom_string),
                     max_subscribers = COALESCE($7, max_subscribers), updated_at = $8
                 WHERE id = $9 RETURNING name",
            )
            .bind(changes.name.as_ref().map(|n| n.as_ref().to_owned()))
            .bind(changes.profile.as_ref().map(|p| p.as_ref().to_owned()))
            .bind(extra.owner.as_deref())
            .bind(extra.face_url.as_deref())
            .bind(extra.organization.as_deref())
            .bind(extra.custom_string.as_deref())
            .bind(extra.max_subscribers)
            .bind(clock::now())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(name) = name else {
                return Err(StoreError::NotFound(Missing::Channel));
            };
            Store::audit(&mut tx, by, AuditAction::ChannelEdited, &subject(id, &name)).await?;
            self.channel_event(&mut tx, id, Callback::AfterOfficialAccountInfoChanged, by).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
