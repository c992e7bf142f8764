-- Images whose last use went: their files are removed by a sweep (see
-- storage::database::MediaIndex), never while an upload of the same bytes has claimed them.
CREATE TABLE media_sweep (
    id          TEXT PRIMARY KEY NOT NULL,
    orphaned_at INTEGER NOT NULL
) STRICT;

-- Uploads under way: their file is being written, so no sweep may remove it.
CREATE TABLE media_claims (
    id         TEXT PRIMARY KEY NOT NULL,
    claimed_at INTEGER NOT NULL
) STRICT;
