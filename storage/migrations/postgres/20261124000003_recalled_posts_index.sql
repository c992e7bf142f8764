-- Operators list the recalled posts ("Show recalled"): few among many, read newest first.
-- A recall now keeps the post's search tokens, so that operators can search recalled posts;
-- posts recalled before this migration are listed but not found by their words.
CREATE INDEX posts_recalled ON posts (id) WHERE recalled_at IS NOT NULL;
