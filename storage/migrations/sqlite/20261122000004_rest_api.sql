-- The vendor-compatible REST API (issue 5).

-- The one application this console is: its id, its secret key (the HMAC key UserSigs are
-- made with, so it is kept as is; it is shown once when created) and when the key was made.
CREATE TABLE api_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    sdkappid       INTEGER NOT NULL,
    secret_key     TEXT,
    key_created_at INTEGER
) STRICT;
INSERT INTO api_settings (id, sdkappid) VALUES (1, 1400000000 + abs(random() % 100000000));

-- The administrator identifiers allowed to call the API.
CREATE TABLE api_admins (
    identifier TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- A channel as the vendor's API knows it (an "official account"). Console channels get an
-- account id too, so the API reaches every channel.
ALTER TABLE channels ADD COLUMN account_id TEXT;
UPDATE channels SET account_id = '@TOA#_' || lower(hex(randomblob(10)));
CREATE UNIQUE INDEX channels_account_id ON channels(account_id);
ALTER TABLE channels ADD COLUMN owner_account TEXT NOT NULL DEFAULT '';
-- An avatar address given through the API, stored as given; an uploaded photo replaces it.
ALTER TABLE channels ADD COLUMN face_url TEXT;
ALTER TABLE channels ADD COLUMN organization TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN custom_string TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN max_subscribers INTEGER NOT NULL DEFAULT 100000;

-- A message's key is "<post id>_<random>_<time>"; the random is the sender's.
ALTER TABLE posts ADD COLUMN msg_random INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN cloud_custom_data TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN recall_reason TEXT NOT NULL DEFAULT '';
