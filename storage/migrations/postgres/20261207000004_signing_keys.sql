-- Keys the console signs its own tokens with, one per purpose: 'device_cookies', the key of
-- the device cookies a browser gets on signing in (issue 29). Made by the first server that
-- needs it and shared by every server on the database, so a cookie one signed any other
-- accepts. Kept as it is: the server needs it to sign and to check.
CREATE TABLE signing_keys (
    purpose    TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
