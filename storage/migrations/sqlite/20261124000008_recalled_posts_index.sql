-- Operators list the recalled posts ("Show recalled"): few among many, read newest first.
CREATE INDEX posts_recalled ON posts (id) WHERE recalled_at IS NOT NULL;

-- A recall now keeps the post's search entries, so that operators can search recalled
-- posts (lists for readers leave them out by `recalled_at`); posts recalled before this
-- migration are listed but not found by their words.
DROP TRIGGER posts_search_recall;
