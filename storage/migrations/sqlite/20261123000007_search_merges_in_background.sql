-- FTS5 merges an index's segments inside whichever commit crosses its threshold: a
-- publish that happened to be the 16th paid for a merge of the index's segments (about
-- 100 ms on a 1M-post index). The server merges from a background task instead
-- (`SqliteStore::spawn_search_merger`), a bounded slice at a time; a commit adds its post
-- as a new small segment, searchable at once. `crisismerge` stays as the safety net should
-- the merger fall behind (or not run, as in tools that open the database briefly).
INSERT INTO posts_trigram (posts_trigram, rank) VALUES ('automerge', 0);
INSERT INTO posts_words (posts_words, rank) VALUES ('automerge', 0);
INSERT INTO posts_trigram (posts_trigram, rank) VALUES ('crisismerge', 64);
INSERT INTO posts_words (posts_words, rank) VALUES ('crisismerge', 64);
