-- Search tokens, second form (see storage/src/postgres/posts.rs, `search_row`, and
-- post_list.rs, SEARCH_LEVELS):
-- * each post's tokens name the runs of consecutive posts it belongs to, at four sizes
--   (2^10, 2^13, 2^16 and 2^19 posts by id), so that a search can ask the index for the
--   newest matches one run at a time instead of all matches at once;
-- * whole words ("w…"), looked up by prefix, give way to the first one and two characters
--   of each word ("p…"), looked up exactly: a prefix lookup gathers every matching word's
--   posts before anything else.
UPDATE posts
SET search_tokens =
      ts_delete(search_tokens, ARRAY(SELECT l FROM unnest(tsvector_to_array(search_tokens)) AS l WHERE l LIKE 'w%'))
      || array_to_tsvector(ARRAY(
           SELECT DISTINCT 'p' || left(substr(l, 2), k.n)
           FROM unnest(tsvector_to_array(search_tokens)) AS l, (VALUES (1), (2)) AS k(n)
           WHERE l LIKE 'w%'))
      || array_to_tsvector(ARRAY[
           'b10_' || (id >> 10), 'b13_' || (id >> 13), 'b16_' || (id >> 16), 'b19_' || (id >> 19)])
WHERE search_tokens IS NOT NULL;
