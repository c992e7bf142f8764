-- The subscribers' live streams (issue 30). On SQLite one writer commits events one after
-- the other, so an event's id is already its place in the streams' order.

-- Users who asked not to receive a channel's posts: read at every post a stream carries.
CREATE INDEX subscribers_discarding ON subscribers(channel_id) WHERE msg_flag = 'Discard';

-- The streams open now, on any server: a user's sixth closes the oldest.
CREATE TABLE subscriber_streams (
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    opened_at INTEGER NOT NULL
) STRICT;
CREATE INDEX subscriber_streams_account ON subscriber_streams(account, opened_at);
