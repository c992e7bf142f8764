-- Names (operators', channels') are compared and ordered by one rule on both engines, the
-- one SQLite's NOCASE applies: ASCII letters fold case (A = a), every other character
-- compares by code point. lower() followed the database's locale instead, so the same
-- operators came back in another order than on SQLite, and "É" and "é" were one name here
-- but two there.
CREATE FUNCTION ascii_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;

-- Names equal under this rule were equal under lower() too, so no existing row collides;
-- except in a database whose locale lowers "I" to dotless "ı" (Turkish), where "Ilker" and
-- "ilker" could both exist: then building this index fails, naming it, and nothing changes
-- until one of the two operators is renamed or removed.
DROP INDEX operators_name;
CREATE UNIQUE INDEX operators_name ON operators (ascii_fold(name));

DROP INDEX channels_name;
CREATE INDEX channels_name ON channels (ascii_fold(name) COLLATE "C", id);
