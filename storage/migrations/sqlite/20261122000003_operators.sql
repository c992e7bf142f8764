-- Operators sign in with a name and a password (argon2id PHC string, never the password).
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_sign_in  INTEGER
) STRICT;

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored, so a
-- copy of the database does not let anyone sign in. Removing an operator ends their sessions.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    operator_id  INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_operator ON sessions(operator_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);

-- Who did what, and when. Names are copied, not referenced: the log outlives operators and
-- channels it mentions.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    operator TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',
    address  TEXT NOT NULL DEFAULT ''
) STRICT;
