-- Images whose last use went: their files are removed by a sweep (see
-- storage::database::MediaIndex), never while an upload of the same bytes has claimed them.
CREATE TABLE media_sweep (
    id          TEXT PRIMARY KEY NOT NULL,
    orphaned_at INTEGER NOT NULL
) STRICT;
