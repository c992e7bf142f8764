-- Each post's tokens name the runs of consecutive posts it belongs to, at four sizes
-- (2^10, 2^13, 2^16 and 2^19 posts by id), so that a search can ask the index for the
-- newest matches one run at a time instead of all matches at once (see
-- storage/src/postgres/post_list.rs, SEARCH_LEVELS). New posts get them when published.
UPDATE posts
SET search_tokens = search_tokens || array_to_tsvector(ARRAY[
      'b10_' || (id >> 10), 'b13_' || (id >> 13), 'b16_' || (id >> 16), 'b19_' || (id >> 19)])
WHERE search_tokens IS NOT NULL;
