-- Uploaded images, content-addressed: id is the SHA-256 of the bytes (lowercase hex).
CREATE TABLE media (
    id           TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    profile    TEXT NOT NULL DEFAULT '',
    photo      TEXT REFERENCES media(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX channels_photo ON channels(photo);
