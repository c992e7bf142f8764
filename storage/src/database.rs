//! What a database engine must provide. The console, the REST API and the command line use
//! storage only through these traits (as `Arc<dyn Database>`). Both engines implement them:
//! `crate::sqlite` and `crate::postgres`, chosen by the database URL at run time
//! (`crate::Engine`).
//!
//! Every method that changes something takes the [`Actor`] and writes the audit entry in the
//! same transaction as the change: both are stored, or neither. A check and the change it
//! guards are one atomic step (one statement, or a transaction that holds the lock on what
//! it read), whatever the number of writers.

use crate::audit::Actor;
use crate::error::StoreResult;
use crate::events::{Attempt, Claimed, NewEvent, StoredWebhook};
use crate::media::{MediaStore, StoredMedia};
use crate::messages::{AccountChanges, AccountRow, Message, MessageKey, MessageMeta, Recall};
use crate::password::StoredHash;
use async_trait::async_trait;
use domain::post::ValidFilter;
use domain::webhook::ValidWebhook;
use domain::{
    AccountFields, AccountId, AdminIdentifier, ApiSettings, AuditAction, AuditPage, Channel, ChannelFields,
    ChannelOption, ChannelPage, DeliveryPage, MediaId, MsgFlag, Operator, OperatorName, Post, PostPage, Subscriber,
    SubscriberAccount, ValidPost,
};

/// Images a change left unused: their files can go once the change is committed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Orphans(pub Vec<MediaId>);

/// A published post and its REST message key. `post` is `None` only when a retried request
/// finds that the post it made was recalled since.
#[derive(Debug, Clone)]
pub struct Published {
    pub key: MessageKey,
    pub post: Option<Post>,
}

/// What signing in checks a password against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub operator_id: i64,
    pub name: String,
    pub password_hash: String,
}

/// A stored session: its operator, when it began and when it was last used (unix seconds).
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub operator_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// A page of channels, newest first (the page number is clamped to the pages there are).
    async fn list_channels(&self, page: u32) -> StoreResult<ChannelPage>;
    async fn channel(&self, id: i64) -> StoreResult<Option<Channel>>;
    /// Every channel by name, for the composer's and the filter's select.
    async fn channel_options(&self) -> StoreResult<Vec<ChannelOption>>;
    /// Creates a channel; `account` is generated when not given, and a taken one is
    /// `Conflict::AccountIdTaken`.
    async fn create_channel(
        &self,
        fields: &ChannelFields,
        account: Option<&AccountId>,
        extra: &AccountFields,
        by: &Actor,
    ) -> StoreResult<Channel>;
    /// Replaces what an operator sets on a channel (a photo given replaces the old one and
    /// any FaceUrl).
    async fn update_channel(&self, id: i64, fields: &ChannelFields, by: &Actor) -> StoreResult<(Channel, Orphans)>;
    /// Deletes a channel with its posts.
    async fn delete_channel(&self, id: i64, by: &Actor) -> StoreResult<Orphans>;
    async fn account(&self, account_id: &str) -> StoreResult<Option<AccountRow>>;
    async fn update_account(&self, id: i64, changes: &AccountChanges, by: &Actor) -> StoreResult<()>;
}

#[async_trait]
pub trait PostStore: Send + Sync {
    /// Stores a post with its images, links and search entries. A request id seen before
    /// returns what the first request made (and writes no second audit entry).
    async fn publish(
        &self,
        post: &ValidPost,
        request_id: &str,
        meta: &MessageMeta,
        by: &Actor,
    ) -> StoreResult<Published>;
    /// Many posts at once (bulk import, benchmark seeding), each `(post, request id, unix
    /// time)`, through the same statements as `publish`, in one transaction and without
    /// audit entries: an import is a set-up step, not an operator's change.
    async fn import_posts(&self, posts: &[(ValidPost, String, i64)]) -> StoreResult<()>;
    /// A live (not recalled) post.
    async fn post(&self, id: i64) -> StoreResult<Option<Post>>;
    /// The newest live posts matching the filter (or the recalled ones, when it asks for
    /// them), a page at a time.
    async fn list_posts(&self, filter: &ValidFilter) -> StoreResult<PostPage>;
    /// A post's channel and REST message key, recalled or not: the console names a post by
    /// its id, and recalls it through [`PostStore::recall`] as the REST API does.
    async fn message_key(&self, post_id: i64) -> StoreResult<Option<(i64, MessageKey)>>;
    /// A channel's messages, newest first, older than the post `before` when given.
    async fn messages(
        &self,
        channel_id: i64,
        before: Option<i64>,
        limit: u32,
        with_recalled: bool,
    ) -> StoreResult<Vec<Message>>;
    /// Recalls a message of the channel: it leaves lists and search, but stays stored.
    async fn recall(&self, channel_id: i64, key: &MessageKey, reason: &str, by: &Actor) -> StoreResult<Recall>;
}

/// What became of one user an `add_subscribers` call named (the vendor's `Result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    Added,
    /// A subscriber already (or named again in the call after being added).
    Already,
    /// Not added: the channel has `MaxSubscriberNum` subscribers.
    Full,
}

/// What an `add_subscribers` call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions {
    /// Each user the call named, in its order.
    pub results: Vec<(SubscriberAccount, Subscribed)>,
    /// This call brought the channel to its maximum (it was below before).
    pub became_full: bool,
}

/// What became of one user a `remove_subscribers` call named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribed {
    Removed,
    NotSubscriber,
}

/// A page of a channel's subscribers, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberPage {
    pub subscribers: Vec<Subscriber>,
    /// The cursor of the next page (the last subscriber's place), when there is one.
    pub next: Option<i64>,
    /// How many subscribe in all.
    pub total: i64,
}

/// A channel a user subscribes to, with that user's subscription.
#[derive(Debug, Clone)]
pub struct SubscribedChannel {
    pub channel: AccountRow,
    pub subscribed_at: i64,
    pub custom_string: String,
}

/// The users who subscribe to channels. A channel's count is kept with every change, in
/// the same transaction; adding never takes a channel past its `max_subscribers`, however
/// many calls race.
#[async_trait]
pub trait SubscriberStore: Send + Sync {
    /// Subscribes the users to the channel, in order, while it has room.
    async fn add_subscribers(
        &self,
        channel_id: i64,
        accounts: &[SubscriberAccount],
        by: &Actor,
    ) -> StoreResult<Subscriptions>;
    async fn remove_subscribers(
        &self,
        channel_id: i64,
        accounts: &[SubscriberAccount],
        by: &Actor,
    ) -> StoreResult<Vec<(SubscriberAccount, Unsubscribed)>>;
    /// A page of the channel's subscribers, newest first, after the cursor `after` when given;
    /// only those whose id starts with `prefix` (exactly, case and all), when given.
    /// When `account` subscribed to the channel (unix seconds), if it does.
    async fn subscription(&self, channel_id: i64, account: &str) -> StoreResult<Option<i64>>;
    async fn subscribers(
        &self,
        channel_id: i64,
        after: Option<i64>,
        limit: u32,
        prefix: Option<&str>,
    ) -> StoreResult<SubscriberPage>;
    /// The channel's subscriber count at the end of each of the `days` days up to `today`
    /// (unix day numbers, UTC), oldest first.
    async fn subscriber_history(&self, channel_id: i64, days: u32, today: i64) -> StoreResult<Vec<i64>>;
    /// Changes what is given of a subscription; `Missing::Subscriber` when there is none.
    async fn modify_subscriber(
        &self,
        channel_id: i64,
        account: &SubscriberAccount,
        custom_string: Option<&str>,
        msg_flag: Option<MsgFlag>,
        by: &Actor,
    ) -> StoreResult<()>;
    /// The channels a user subscribes to, in the order they subscribed, `limit` from
    /// `offset`; and how many there are in all.
    async fn subscribed_channels(
        &self,
        account: &SubscriberAccount,
        offset: u32,
        limit: u32,
    ) -> StoreResult<(Vec<SubscribedChannel>, u64)>;
}

/// The event log and the webhook outbox (see [`crate::events`]).
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn webhook(&self) -> StoreResult<StoredWebhook>;
    /// Replaces the URL, token, callbacks switched on and the policy (not the secret).
    async fn save_webhook(&self, settings: &ValidWebhook, by: &Actor) -> StoreResult<()>;
    /// A new signing secret; the old one stays in use beside it until `previous_until`
    /// (unix ms). With `only_if_none`, only when there is no secret yet: false when there was.
    async fn set_signing_secret(
        &self,
        secret: &str,
        previous_until: i64,
        only_if_none: bool,
        by: &Actor,
    ) -> StoreResult<bool>;
    /// Records an event that changes nothing else (the test event).
    async fn record_event(&self, event: &NewEvent, by: &Actor) -> StoreResult<()>;
    /// Claims up to `limit` deliveries due at `now_ms`, oldest first: each is counted as
    /// attempted and not offered again (on any server) for `lease_ms`.
    async fn claim_deliveries(&self, now_ms: i64, lease_ms: i64, limit: u32) -> StoreResult<Vec<Claimed>>;
    /// Records how attempts went (those still holding their claim).
    async fn finish_deliveries(&self, attempts: &[Attempt]) -> StoreResult<()>;
    /// A page of the deliveries log, newest first, below `before`; only those whose last
    /// attempt failed when `failures_only`.
    async fn deliveries(&self, before: Option<i64>, failures_only: bool) -> StoreResult<DeliveryPage>;
    /// Makes a delivery whose last attempt failed due at once; false when there is none.
    async fn redeliver(&self, id: i64, by: &Actor) -> StoreResult<bool>;
    /// How many deliveries are pending.
    async fn pending_deliveries(&self) -> StoreResult<i64>;
    /// Forgets events made before `before_ms` that have nothing left to deliver.
    async fn prune_events(&self, before_ms: i64) -> StoreResult<u64>;
    /// Returns when an event may have become due (on this server or another), or after
    /// `at_most`.
    async fn wait_for_events(&self, at_most: std::time::Duration);
}

/// A recorded image, as the routes that serve it need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    pub content_type: String,
    /// A channel's photo or an image of a post readers can see: anyone may fetch it. An
    /// upload not used yet, or used only by recalled posts, is for operators only.
    pub public: bool,
}

/// Whether the image `m` is a channel's photo or in a live post (the same on both engines).
pub(crate) const MEDIA_IN_PUBLIC_USE: &str = "EXISTS (SELECT 1 FROM channels WHERE photo = m.id)
     OR EXISTS (SELECT 1 FROM post_images i JOIN posts p ON p.id = i.post_id
                WHERE i.media = m.id AND p.recalled_at IS NULL)";

/// Images recorded before `$1` that nothing uses (the same on both engines).
pub(crate) const MEDIA_UNUSED: &str = "m.created_at < $1
     AND NOT EXISTS (SELECT 1 FROM channels WHERE photo = m.id)
     AND NOT EXISTS (SELECT 1 FROM post_images WHERE media = m.id)
     AND NOT EXISTS (SELECT 1 FROM media_claims c WHERE c.id = m.id)";

/// The images the database knows, and the files that must go.
///
/// Files are removed only by a sweep, and a sweep never removes a file an upload is writing:
/// an upload claims its image before it writes the file (taking it off the sweep list) and
/// records it when the file is in place; a sweep skips claimed images and holds the ones it
/// removes until their files are gone. Whichever comes second waits for the first, on any
/// number of servers.
#[async_trait]
pub trait MediaIndex: Send + Sync {
    /// Claims an image whose file is about to be written.
    async fn claim_media(&self, id: &MediaId) -> StoreResult<()>;
    /// Records an image whose file is in place, and ends its claim.
    async fn finish_media(&self, media: &StoredMedia) -> StoreResult<()>;
    /// Ends a claim whose file could not be written: whatever was written of it is swept
    /// unless the image is recorded.
    async fn release_media(&self, id: &MediaId) -> StoreResult<()>;
    /// A recorded image: its type, and whether anyone may see it.
    async fn media_info(&self, id: &MediaId) -> StoreResult<Option<MediaInfo>>;
    /// Forgets images recorded before `recorded_before` that nothing uses (no channel, no
    /// post, no upload under way), putting their files on the sweep list; at most 100 at a
    /// time. Returns them.
    async fn forget_unused_media(&self, recorded_before: i64) -> StoreResult<Vec<MediaId>>;
    /// Removes the files of images orphaned before `orphaned_before` (only `only`, when
    /// given) that are neither recorded nor claimed (a claim older than an hour is a crashed
    /// upload's), and forgets them; at most 100 at a time. Returns the images whose files
    /// were removed.
    async fn sweep_media(
        &self,
        only: Option<&[MediaId]>,
        orphaned_before: i64,
        files: &MediaStore,
    ) -> StoreResult<Vec<MediaId>>;
}

#[async_trait]
pub trait OperatorStore: Send + Sync {
    async fn operators(&self) -> StoreResult<Vec<Operator>>;
    async fn credentials(&self, name: &str) -> StoreResult<Option<Credentials>>;
    async fn password_hash(&self, operator_id: i64) -> StoreResult<Option<String>>;
    async fn operator_id(&self, name: &str) -> StoreResult<Option<i64>>;
    /// `Conflict::OperatorNameTaken` when the name is taken.
    async fn add_operator(&self, name: &OperatorName, hash: &StoredHash, by: &Actor) -> StoreResult<Operator>;
    /// Adds the operator only when there is none at all (first start); `None` when there
    /// was one already. Several servers starting at once add exactly one.
    async fn add_first_operator(
        &self,
        name: &OperatorName,
        hash: &StoredHash,
        by: &Actor,
    ) -> StoreResult<Option<Operator>>;
    /// Sets the password and ends the operator's sessions except `keep`; `action` says
    /// whether the operator changed it or it was reset.
    async fn set_password(
        &self,
        operator_id: i64,
        hash: &StoredHash,
        keep: Option<&str>,
        action: AuditAction,
        by: &Actor,
    ) -> StoreResult<()>;
    /// Removes an operator and their sessions; never the last one. Returns the name.
    async fn remove_operator(&self, operator_id: i64, by: &Actor) -> StoreResult<String>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session (and sweeps sessions idle since before `idle_cutoff`).
    async fn start_session(
        &self,
        operator_id: i64,
        token_hash: &str,
        now: i64,
        idle_cutoff: i64,
        by: &Actor,
    ) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<StoredSession>>;
    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    /// Ends a session; with an actor (signing out) the audit log says so, without one (an
    /// idle session found expired) nothing is recorded.
    async fn end_session(&self, token_hash: &str, by: Option<&Actor>) -> StoreResult<()>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an event that changes nothing else (a failed sign-in).
    async fn record(&self, by: &Actor, action: AuditAction, subject: &str) -> StoreResult<()>;
    /// A page of the log, newest first, below the entry id `before` when given.
    async fn audit_page(&self, before: Option<i64>) -> StoreResult<AuditPage>;
}

#[async_trait]
pub trait ApiStore: Send + Sync {
    /// The application id and its secret key (`None` before one is made).
    async fn api_credentials(&self) -> StoreResult<(i64, Option<String>)>;
    async fn is_api_admin(&self, identifier: &str) -> StoreResult<bool>;
    async fn api_settings(&self) -> StoreResult<ApiSettings>;
    /// Replaces the secret key: UserSigs made with the old one stop working at once.
    async fn set_api_key(&self, key: &str, by: &Actor) -> StoreResult<()>;
    async fn add_api_admin(&self, identifier: &AdminIdentifier, by: &Actor) -> StoreResult<()>;
    async fn remove_api_admin(&self, identifier: &str, by: &Actor) -> StoreResult<()>;
}

/// Password attempts, counted per key (a client address, a device cookie, an operator
/// name) in the database, so that every server counts the same attempts; and the key
/// device cookies are signed with.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts an attempt at `now_ms` under every key, before its password is checked,
    /// unless `wait` (given a key, its count so far and the milliseconds since its last
    /// attempt) says one of them must still wait: then nothing is counted and the longest
    /// wait is returned. Atomic: attempts racing on any number of servers are counted one
    /// by one. Counts whose last attempt is older than `forget_before_ms` start again.
    async fn begin_attempt(
        &self,
        keys: &[String],
        now_ms: i64,
        forget_before_ms: i64,
        wait: &(dyn for<'k> Fn(&'k str, u32, i64) -> Option<std::time::Duration> + Sync),
    ) -> StoreResult<Option<std::time::Duration>>;
    /// Forgets a key's attempts (its owner got the password right).
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
    /// The key device cookies are signed with: `candidate` (a fresh random secret) is
    /// stored if there is none yet, and whichever is stored is returned, so servers racing
    /// to make the first key all end up with the same one.
    async fn device_key(&self, candidate: &str) -> StoreResult<String>;
}

/// How busy the database is, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// Connections open in the pool, and how many of them are idle.
    pub connections: u32,
    pub idle: u32,
    pub max_connections: u32,
    /// Writes waiting for SQLite's one writer's turn (always 0 on PostgreSQL).
    pub write_queue: usize,
}

pub trait LoadStore: Send + Sync {
    fn load(&self) -> Load;
}

/// The subscribers' live streams (see `crate::streams`).
#[async_trait]
pub trait StreamStore: Send + Sync {
    /// Gives committed events their positions (PostgreSQL; on SQLite they have them) and
    /// returns the newest position.
    async fn place_events(&self) -> StoreResult<i64>;
    /// The events streams carry after `after`, in order, at most `limit`.
    async fn stream_events(&self, after: i64, limit: u32) -> StoreResult<Vec<crate::streams::StreamEvent>>;
    /// The users of a channel who asked not to receive its posts (`MsgFlag` `Discard`).
    async fn discarding(&self, channel_id: i64) -> StoreResult<std::collections::HashSet<String>>;
    /// Where a stream of `account` starts: after `after` (its `Last-Event-ID`), replaying at
    /// most `max_replay` events none older than `since_ms`; or now.
    async fn stream_start(
        &self,
        account: &str,
        after: Option<i64>,
        since_ms: i64,
        max_replay: u32,
    ) -> StoreResult<crate::streams::StreamStart>;
    /// Records a stream opening; the user's streams beyond the newest `keep` are closed
    /// (on whichever server holds them, through the event log).
    async fn open_stream(&self, id: &str, account: &str, keep: u32) -> StoreResult<()>;
    async fn close_stream(&self, id: &str) -> StoreResult<()>;
    /// Waits until events were committed (on any server), at most `at_most`.
    async fn wait_for_stream_events(&self, at_most: std::time::Duration);
}

/// What the load balancer's readiness check asks.
#[async_trait]
pub trait Health: Send + Sync {
    /// Whether the database answers.
    async fn ping(&self) -> StoreResult<()>;
}

/// How long an upload's claim protects its file: a claim older than this belongs to an
/// upload that crashed.
pub const CLAIM_LIFETIME_SECS: i64 = 3600;

/// Everything storage offers: one engine implements every part.
pub trait Database:
    ChannelStore
    + PostStore
    + SubscriberStore
    + EventStore
    + StreamStore
    + MediaIndex
    + OperatorStore
    + SessionStore
    + AuditStore
    + ApiStore
    + ThrottleStore
    + Health
    + LoadStore
{
}

impl<T> Database for T where
    T: ChannelStore
        + PostStore
        + SubscriberStore
        + EventStore
        + StreamStore
        + MediaIndex
        + OperatorStore
        + SessionStore
        + AuditStore
        + ApiStore
        + ThrottleStore
        + Health
        + LoadStore
{
}

/// A media id read back from the database, which only ever stores well-formed ones.
pub(crate) fn media_id(raw: String) -> Result<domain::MediaId, crate::StoreError> {
    domain::MediaId::parse(domain::Field::PostImages, &raw)
        .map_err(|_| crate::StoreError::Corrupt(format!("media id {raw:?}")))
}

/// The last 4 characters of a key, to tell keys apart without showing them.
pub(crate) fn key_hint(key: &str) -> String {
    key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
}
