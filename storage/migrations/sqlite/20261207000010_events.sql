-- The event log: one row per thing an app may hear of (a post sent or recalled, a channel
-- made, changed or destroyed, subscribers added or removed, a channel full), written in the
-- same transaction as the change. `id` orders events; `payload` is the event as JSON.
-- The webhook outbox is the same row: `delivery` is 'none' (nothing to deliver),
-- 'pending' (due at `next_attempt_at`, unix ms), 'delivered' or 'failed'. A server claims a
-- due row by moving `next_attempt_at` past its lease and counting the attempt, so one
-- server at a time delivers it, and a crashed server's claim runs out.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    command          TEXT NOT NULL,
    channel_id       INTEGER,
    channel_account  TEXT NOT NULL DEFAULT '',
    channel_name     TEXT NOT NULL DEFAULT '',
    platform         TEXT NOT NULL,
    operator         TEXT NOT NULL DEFAULT '',
    client_ip        TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    delivery         TEXT NOT NULL DEFAULT 'none',
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- Attempts whose outcome is recorded: fewer than `attempts` while one is under way.
    finished         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT NOT NULL DEFAULT '',
    last_latency_ms  INTEGER
) STRICT;
CREATE INDEX events_due ON events(next_attempt_at) WHERE delivery = 'pending';
CREATE INDEX events_deliveries ON events(id) WHERE delivery <> 'none';
CREATE INDEX events_failed ON events(id) WHERE delivery = 'failed' OR (delivery = 'pending' AND last_error <> '');

-- Where and how events are delivered: one row. `events` is a bit set of the callbacks
-- switched on (see `storage::events::Command`).
CREATE TABLE webhook_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    url              TEXT NOT NULL DEFAULT '',
    token            TEXT NOT NULL DEFAULT '',
    events           INTEGER NOT NULL DEFAULT 0,
    refuse_when_down INTEGER NOT NULL DEFAULT 0,
    secret           TEXT NOT NULL DEFAULT '',
    previous_secret  TEXT NOT NULL DEFAULT '',
    previous_until   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO webhook_settings (id) VALUES (1);

-- A channel's subscriber count at the end of each day (unix day number), kept with every
-- change, for the growth chart.
CREATE TABLE subscriber_days (
    channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    day         INTEGER NOT NULL,
    subscribers INTEGER NOT NULL,
    PRIMARY KEY (channel_id, day)
) STRICT;
-- Channels with subscribers already: their count today is where the chart starts.
INSERT INTO subscriber_days (channel_id, day, subscribers)
    SELECT id, CAST(strftime('%s', 'now') AS INTEGER) / 86400, subscriber_count FROM channels WHERE subscriber_count > 0;
