//! Group commit for publishing on SQLite.
//!
//! A commit costs the same whether it holds one post or ten: the pages of the posts table,
//! the audit log and both search indexes that it rewrites into the WAL are mostly shared.
//! So publishes queue here, and whichever takes the writers' turn writes every publish
//! queued by then (`MAX_BATCH` at most) in one transaction, with one statement per table
//! (each statement is a round trip to SQLite's thread), and answers each by its own
//! channel. The others, when their turn comes, find
//! their work done and let the turn go at once. Under a single publisher a batch is that
//! one post: nobody waits for a batch to fill.

use super::posts::{insert_posts, NewPost};
use super::{audit_many, SqliteStore, WriteTx};
use crate::audit::Actor;
use crate::database::Published;
use crate::error::{Missing, StoreError, StoreResult};
use crate::events::NewEvent;
use crate::messages::{sent_fields, MessageKey, MessageMeta};
use crate::shared::posts::subject;
use domain::{AuditAction, Callback, ValidPost};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use tokio::sync::{oneshot, OwnedMutexGuard};

/// What a publish came to inside its batch.
pub(super) enum Outcome {
    Made(Published),
    /// A post with this request id was stored before: the caller reads it back.
    Existing(MessageKey),
}

/// Publishes in one commit at most (a post binds up to 45 values; SQLite allows 32,766).
const MAX_BATCH: usize = 128;

struct Job {
    post: ValidPost,
    request_id: String,
    meta: MessageMeta,
    by: Actor,
    done: oneshot::Sender<StoreResult<Outcome>>,
}

/// Publishes waiting for a turn to write.
#[derive(Default)]
pub(super) struct Queue(Mutex<Vec<Job>>);

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

impl Queue {
    fn push(&self, job: Job) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(job);
    }

    /// Publishes waiting for the writers' turn.
    pub(super) fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The oldest `MAX_BATCH` jobs at most, and whether more are left.
    fn take(&self) -> (Vec<Job>, bool) {
        let mut queue = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = queue.len().min(MAX_BATCH);
        let batch: Vec<Job> = queue.drain(..n).collect();
        (batch, !queue.is_empty())
    }
}

impl SqliteStore {
    pub(super) async fn publish_in_batch(
        &self,
        post: &ValidPost,
        request_id: &str,
        meta: &MessageMeta,
        by: &Actor,
    ) -> StoreResult<Outcome> {
        let (done, outcome) = oneshot::channel();
        let job =
            Job { post: post.clone(), request_id: request_id.to_owned(), meta: meta.clone(), by: by.clone(), done };
        self.publishes.push(job);
        let mut outcome = std::pin::pin!(outcome);
        // Takes turns writing batches until this job has left the queue (first in, first
        // out: in this caller's batch or an earlier one), or its answer comes: a caller
        // whose publish somebody else is writing does not keep its place in the line.
        loop {
            let turn = tokio::select! {
                biased;
                answer = &mut outcome => return answer.unwrap_or(Err(lost())),
                turn = self.writer.clone().lock_owned() => turn,
            };
            let (batch, more) = self.publishes.take();
            if !batch.is_empty() {
                // In a task of its own, so that a caller that goes away (its client hung
                // up) does not take the other publishes of the batch with it.
                let store = self.clone();
                tokio::spawn(async move { store.write_batch(turn, batch).await });
            }
            if !more {
                break;
            }
        }
        outcome.await.unwrap_or(Err(lost()))
    }

    async fn write_batch(&self, turn: OwnedMutexGuard<()>, batch: Vec<Job>) {
        let mut tx = match self.begin_in_turn(turn).await {
            Ok(tx) => tx,
            Err(error) => return fail_all(batch.into_iter().map(|job| job.done), error),
        };
        let outcomes = match store_batch(self, &mut tx, &batch).await {
            Ok(outcomes) => outcomes,
            Err(error) => return fail_all(batch.into_iter().map(|job| job.done), error),
        };
        match tx.commit().await {
            Ok(()) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    // A caller that went away needs no answer.
                    let _ = job.done.send(outcome);
                }
            }
            Err(error) => fail_all(batch.into_iter().map(|job| job.done), error),
        }
    }
}

/// Stores a batch's posts with one statement per table, after checking each publish on
/// its own: a post refused (unknown channel or image) is answered alone, a publish retried
/// with a stored request id gets that post's key. `Err` is a failure of the transaction:
/// nothing of the batch is stored.
async fn store_batch(
    store: &SqliteStore,
    tx: &mut WriteTx,
    jobs: &[Job],
) -> Result<Vec<StoreResult<Outcome>>, sqlx::Error> {
    let mut outcomes: Vec<Option<StoreResult<Outcome>>> = jobs.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = (0..jobs.len()).collect();
    // A request id twice in one batch: the second is answered in a later round, which
    // finds the first one's post.
    while !pending.is_empty() {
        let mut fresh = vec![];
        let mut later = vec![];
        let stored = stored_keys(tx, pending.iter().map(|&i| jobs[i].request_id.as_str())).await?;
        let mut channels: HashMap<i64, Option<(String, Option<String>, String)>> = HashMap::new();
        let mut taken = HashSet::new();
        for i in pending {
            let job = &jobs[i];
            if let Some(key) = stored.get(job.request_id.as_str()) {
                outcomes[i] = Some(Ok(Outcome::Existing(*key)));
                continue;
            }
            if !taken.insert(job.request_id.as_str()) {
                later.push(i);
                continue;
            }
            let channel_id = job.post.channel_id;
            if let std::collections::hash_map::Entry::Vacant(entry) = channels.entry(channel_id) {
                let row = sqlx::query_as("SELECT name, photo, COALESCE(account_id, '') FROM channels WHERE id = ?")
                    .bind(channel_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                entry.insert(row);
            }
            let Some(Some((name, photo, account))) = channels.get(&channel_id) else {
                outcomes[i] = Some(Err(StoreError::NotFound(Missing::Channel)));
                continue;
            };
            match SqliteStore::require_images(tx, job.post.images.iter().map(|i| &i.media)).await {
                Ok(()) => fresh.push((i, name.clone(), photo.clone(), account.clone())),
                Err(StoreError::Database(error)) => return Err(error),
                Err(refused) => outcomes[i] = Some(Err(refused)),
            }
        }
        if !fresh.is_empty() {
            let created_at = crate::clock::now();
            let rows: Vec<NewPost> = fresh
                .iter()
                .map(|(i, _, _, _)| {
                    let job = &jobs[*i];
                    NewPost { post: &job.post, request_id: &job.request_id, meta: &job.meta, created_at }
                })
                .collect();
            let ids = insert_posts(tx, &rows).await?;
            let entries: Vec<_> = fresh
                .iter()
                .zip(&ids)
                .map(|((i, channel_name, _, _), id)| {
                    let job = &jobs[*i];
                    (&job.by, AuditAction::PostPublished, subject(*id, job.post.channel_id, channel_name))
                })
                .collect();
            audit_many(tx, &entries).await?;
            for ((i, channel_name, _, account), id) in fresh.iter().zip(&ids) {
                let job = &jobs[*i];
                let images = match SqliteStore::image_facts(tx, &job.post).await {
                    Ok(images) => images,
                    Err(StoreError::Database(error)) => return Err(error),
                    Err(_) => vec![],
                };
                let mut fields = sent_fields(job.post.text(), &images, &job.meta, created_at);
                let key = MessageKey { post_id: *id, random: job.meta.random, time: created_at };
                fields.insert("MsgKey".into(), key.to_string().into());
                let event =
                    NewEvent::in_channel(Callback::AfterSendMsg, job.post.channel_id, account, channel_name, fields);
                store.emit(tx, &job.by, &event).await?;
            }
            for ((i, channel_name, channel_photo, _), id) in fresh.into_iter().zip(ids) {
                outcomes[i] = Some(Ok(Outcome::Made(published(&jobs[i], id, channel_name, channel_photo, created_at))));
            }
        }
        pending = later;
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Err(StoreError::Corrupt("a publish of a batch was left unanswered".into()))))
        .collect())
}

/// The keys of the posts stored under these request ids.
async fn stored_keys<'a>(
    tx: &mut SqliteConnection,
    request_ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, MessageKey>, sqlx::Error> {
    let mut q =
        QueryBuilder::<Sqlite>::new("SELECT request_id, id, msg_random, created_at FROM posts WHERE request_id IN (");
    let mut list = q.separated(", ");
    for id in request_ids {
        list.push_bind(id.to_owned());
    }
    q.push(")");
    let rows: Vec<(String, i64, i64, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
    Ok(rows.into_iter().map(|(r, post_id, random, time)| (r, MessageKey { post_id, random, time })).collect())
}

/// What was just stored, without reading it back.
fn published(job: &Job, id: i64, channel_name: String, channel_photo: Option<String>, created_at: i64) -> Published {
    let stored = crate::rows::just_published(id, &job.post, channel_name, channel_photo, created_at);
    Published { key: MessageKey { post_id: id, random: job.meta.random, time: created_at }, post: Some(stored) }
}

/// The batch writer ended without answering (it panicked).
fn lost() -> StoreError {
    StoreError::Database(sqlx::Error::WorkerCrashed)
}

/// Answers every publish of a batch that could not be stored. The first caller gets the
/// error itself; the others an error of the same kind (busy stays busy: nothing was
/// stored and a retry may succeed).
fn fail_all(dones: impl Iterator<Item = oneshot::Sender<StoreResult<Outcome>>>, error: sqlx::Error) {
    let error = StoreError::Database(error);
    let busy = error.is_busy();
    let mut first = Some(error);
    for done in dones {
        let error = first.take().unwrap_or_else(|| {
            StoreError::Database(if busy {
                sqlx::Error::PoolTimedOut
            } else {
                sqlx::Error::Protocol("another publish of the same commit failed".into())
            })
        });
        let _ = done.send(Err(error));
    }
}
