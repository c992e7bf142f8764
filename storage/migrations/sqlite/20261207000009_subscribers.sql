-- A channel's subscribers: the app's users who follow it. `id` orders them newest first
-- and is the cursor of a page, so pages stay stable while subscribers come and go.
CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    account            TEXT NOT NULL,
    subscribed_at      INTEGER NOT NULL,
    custom_string      TEXT NOT NULL DEFAULT '',
    msg_flag           TEXT NOT NULL DEFAULT 'AcceptAndNotify',
    last_send_msg_time INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel_id, account)
) STRICT;
CREATE INDEX subscribers_newest ON subscribers(channel_id, id);
-- A user's channels, in the order they subscribed.
CREATE INDEX subscribers_account ON subscribers(account, id);

-- Kept with every subscription and removal, in the same transaction: a channel's count is
-- read, never counted.
ALTER TABLE channels ADD COLUMN subscriber_count INTEGER NOT NULL DEFAULT 0;
