-- Failed sign-ins per client address and per operator name, in the database so that every
-- server counts the same failures (issue 11). Milliseconds: the first back-off is 1 second.
CREATE TABLE sign_in_failures (
    key        TEXT PRIMARY KEY NOT NULL,
    count      INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL
) STRICT;
