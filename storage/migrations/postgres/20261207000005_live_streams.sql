-- The subscribers' live streams (issue 30).
--
-- Streams read events in commit order, and ids are not that on PostgreSQL: a transaction
-- may draw id 10, another 11 and commit first, and a reader past 11 would never see 10.
-- So a committed event gets its place in the streams' order (`position`) afterwards, from
-- one sequencer at a time (it locks the `event_positions` row): positions are handed out
-- in the order the sequencer sees events committed, and each batch commits before the next
-- is drawn, so no reader sees a position before a smaller one.
ALTER TABLE events ADD COLUMN position BIGINT;
UPDATE events SET position = id;
CREATE UNIQUE INDEX events_position ON events(position);
CREATE INDEX events_unpositioned ON events(id) WHERE position IS NULL;
CREATE TABLE event_positions (
    id   INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO event_positions (id, last) SELECT 1, COALESCE(max(id), 0) FROM events;

-- Users who asked not to receive a channel's posts: read at every post a stream carries.
CREATE INDEX subscribers_discarding ON subscribers(channel_id) WHERE msg_flag = 'Discard';

-- The streams open now, on any server: a user's sixth closes the oldest.
CREATE TABLE subscriber_streams (
    id        TEXT PRIMARY KEY,
    account   TEXT NOT NULL,
    opened_at BIGINT NOT NULL
);
CREATE INDEX subscriber_streams_account ON subscriber_streams(account, opened_at);
