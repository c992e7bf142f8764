-- Published posts. Never updated after insert, except recalled_at (set by a recall).
CREATE TABLE posts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('image_text', 'image', 'text')),
    text        TEXT NOT NULL DEFAULT '',
    -- Chosen by the client for each publish attempt: a retried request finds its post.
    request_id  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    recalled_at INTEGER
) STRICT;

CREATE INDEX posts_channel ON posts(channel_id, id);
CREATE INDEX posts_kind ON posts(kind, id);
CREATE INDEX posts_created ON posts(created_at, id);

CREATE TABLE post_images (
    post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    media    TEXT NOT NULL REFERENCES media(id),
    alt      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX post_images_media ON post_images(media);

CREATE TABLE post_links (
    post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL DEFAULT '',
    url      TEXT NOT NULL,
    PRIMARY KEY (post_id, position)
) STRICT, WITHOUT ROWID;

-- Search. Two contentless indexes over the post text and link labels, filled by the store
-- when a post is published:
--  * posts_trigram finds any substring of 3 or more characters (English words, Korean and
--    Chinese phrases);
--  * posts_words holds whole words and, for Hangul, Han and kana runs, every 2-character
--    window, for the shorter queries a trigram index cannot answer (many Korean and Chinese
--    words are 2 characters long).
CREATE VIRTUAL TABLE posts_trigram USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'trigram'
);
CREATE VIRTUAL TABLE posts_words USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61'
);

CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_trigram WHERE rowid = old.id;
    DELETE FROM posts_words WHERE rowid = old.id;
END;

CREATE TRIGGER posts_search_recall AFTER UPDATE OF recalled_at ON posts
WHEN new.recalled_at IS NOT NULL AND old.recalled_at IS NULL BEGIN
    DELETE FROM posts_trigram WHERE rowid = old.id;
    DELETE FROM posts_words WHERE rowid = old.id;
END;
