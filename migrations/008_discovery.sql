-- Discovery (issue 11): full-text search with typo tolerance, and channel subscriptions.
-- The same SQL on PGlite (pg_trgm and unaccent are loaded by platform/db/pglite.ts) and PostgreSQL.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (its dictionary could be changed), so it cannot feed an index or a
-- generated value directly. The usual wrapper pins the dictionary by its schema-qualified name
-- and is declared IMMUTABLE; it is created here with the schema the extension really lives in,
-- so it works whatever the search_path of a later session (or of pg_restore) is.
DO $$
DECLARE ns text;
BEGIN
  SELECT extnamespace::regnamespace::text INTO ns FROM pg_extension WHERE extname = 'unaccent';
  EXECUTE format(
    'CREATE FUNCTION kinema_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE '
    'AS $f$ SELECT lower(%1$s.unaccent(%2$L::regdictionary, t)) $f$',
    ns, ns || '.unaccent');
END $$;

-- A title as people say it: folded, and a library-style "Office, The (2005)" read as
-- "the office (2005)", so that prefix completion and trigram closeness see what people type.
CREATE FUNCTION kinema_title_norm(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(
    regexp_replace(kinema_fold(t), '^(.+?),\s*(the|a|an|le|la|les|el|los|las|der|die|das|il)\s*(\([^)]*\))?\s*$', '\2 \1 \3'),
    '\s+', ' ', 'g'))
$$;

-- Text plus its hyphenated compounds written closed ("time-lapse" also as "timelapse"): people
-- type both, and the parser splits only the hyphenated form.
CREATE FUNCTION kinema_with_compounds(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT t || coalesce(' ' || (
    SELECT string_agg(replace(m[1], '-', ''), ' ')
    FROM regexp_matches(t, '([[:alnum:]]+(?:-[[:alnum:]]+)+)', 'g') AS m), '')
$$;

-- The weighted search document: title (A), tags and channel name (B), description (C).
-- 'english' stems ("videos" finds "video") and drops leading articles ("the office").
CREATE FUNCTION kinema_search_document(title text, tags text[], channel text, description text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english', kinema_with_compounds(kinema_fold(title))), 'A')
      || setweight(to_tsvector('english', kinema_with_compounds(kinema_fold(array_to_string(tags, ' ')))), 'B')
      || setweight(to_tsvector('english', kinema_fold(channel)), 'B')
      || setweight(to_tsvector('english', kinema_with_compounds(kinema_fold(description))), 'C')
$$;

-- The distinct words of a title, its tags and channel name: the vocabulary typos are corrected to.
CREATE FUNCTION kinema_search_words(title text, tags text[], channel text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
  FROM regexp_split_to_table(
    kinema_with_compounds(kinema_fold(title || ' ' || array_to_string(tags, ' ') || ' ' || channel)),
    '[^[:alnum:]]+') AS w
  WHERE length(w) BETWEEN 3 AND 40
$$;

-- The tsquery for what a person typed: every word must match (stop words such as a leading
-- "the" are dropped by 'english'); the last word also as a prefix while they are still typing
-- (no trailing space); with `with_typos`, each word of 4+ letters also matches up to 3 words of
-- the vocabulary that are close in trigrams ("harbor" finds "harbour", "timelaps" "timelapse").
-- `weights` restricts every term to those weights (e.g. 'A': titles only). Words are quoted as
-- literals, so nothing typed is read as tsquery syntax. Empty when no word is left.
CREATE FUNCTION kinema_search_query(q text, with_typos boolean, weights text DEFAULT '')
RETURNS tsquery LANGUAGE plpgsql STABLE AS $$
DECLARE
  words text[] := array_remove(regexp_split_to_array(kinema_fold(q), '[^[:alnum:]]+'), '');
  n int := coalesce(array_length(words, 1), 0);
  still_typing boolean := q !~ '\s$';
  result tsquery := ''::tsquery;
  word_query tsquery;
  suffix text;
  correction text;
BEGIN
  FOR i IN 1 .. least(n, 12) LOOP
    suffix := CASE WHEN i = n AND still_typing THEN '*' ELSE '' END || weights;
    word_query := to_tsquery('english', quote_literal(words[i]) || CASE WHEN suffix = '' THEN '' ELSE ':' || suffix END);
    -- A stop word: nothing to match, and no "correction" may turn it into a required word.
    CONTINUE WHEN numnode(word_query) = 0;
    IF with_typos AND length(words[i]) >= 4 THEN
      FOR correction IN
        SELECT term FROM search_terms
        WHERE term % words[i] AND term <> words[i] AND similarity(term, words[i]) >= 0.45
        ORDER BY similarity(term, words[i]) DESC, term LIMIT 3
      LOOP
        word_query := word_query || to_tsquery('english', quote_literal(correction) || CASE WHEN weights = '' THEN '' ELSE ':' || weights END);
      END LOOP;
    END IF;
    result := CASE WHEN numnode(result) = 0 THEN word_query ELSE result && word_query END;
  END LOOP;
  RETURN result;
END $$;

-- One row per video (every state: the queries filter visibility). Kept apart from `videos` so
-- that reading a video (and caching it) never carries its search document.
CREATE TABLE video_search (
  video_id    text PRIMARY KEY REFERENCES videos (video_id) ON DELETE CASCADE,
  document    tsvector NOT NULL,
  title_norm  text NOT NULL
);
CREATE INDEX video_search_document_idx ON video_search USING gin (document);
CREATE INDEX video_search_title_trgm_idx ON video_search USING gin (title_norm gin_trgm_ops);
-- Suggestions: titles that start with what is typed (LIKE 'abc%' needs pattern ops whatever the collation).
CREATE INDEX video_search_title_prefix_idx ON video_search (title_norm text_pattern_ops);

-- Every word ever seen in a title, tag or channel name. Words of deleted videos stay: a stale
-- word only widens a query whose results are still filtered, and inserts never contend on a
-- counter row. Rebuild with TRUNCATE + the INSERT at the end of this file if it ever matters.
CREATE TABLE search_terms (term text PRIMARY KEY);
CREATE INDEX search_terms_trgm_idx ON search_terms USING gin (term gin_trgm_ops);

CREATE FUNCTION kinema_index_video() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE channel text;
BEGIN
  SELECT username INTO channel FROM users WHERE user_id = NEW.user_id;
  INSERT INTO video_search (video_id, document, title_norm)
  VALUES (NEW.video_id, kinema_search_document(NEW.title, NEW.tags, channel, NEW.description), kinema_title_norm(NEW.title))
  ON CONFLICT (video_id) DO UPDATE SET document = EXCLUDED.document, title_norm = EXCLUDED.title_norm;
  INSERT INTO search_terms (term) SELECT unnest(kinema_search_words(NEW.title, NEW.tags, channel)) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER videos_search_insert AFTER INSERT ON videos FOR EACH ROW EXECUTE FUNCTION kinema_index_video();
-- Only text changes re-index: progress, heartbeats and view counts update the row all the time.
CREATE TRIGGER videos_search_update AFTER UPDATE OF title, description, tags ON videos FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description OR OLD.tags IS DISTINCT FROM NEW.tags)
  EXECUTE FUNCTION kinema_index_video();

INSERT INTO video_search (video_id, document, title_norm)
  SELECT v.video_id, kinema_search_document(v.title, v.tags, u.username, v.description), kinema_title_norm(v.title)
  FROM videos v JOIN users u ON u.user_id = v.user_id;
INSERT INTO search_terms (term)
  SELECT DISTINCT unnest(kinema_search_words(v.title, v.tags, u.username)) FROM videos v JOIN users u ON u.user_id = v.user_id
  ON CONFLICT DO NOTHING;

-- Search filters and ranking read these; listed = public and ready.
CREATE INDEX videos_listed_views_idx ON videos (view_count DESC, video_id DESC) WHERE visibility = 'public' AND status = 'ready';
-- Username prefix completion (LIKE 'abc%' needs pattern ops whatever the collation).
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);

-- Channel subscriptions: who follows whom. A channel is a user.
CREATE TABLE subscriptions (
  subscriber_id  text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  channel_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  -- Millisecond precision: keyset pagination carries it through JavaScript Dates.
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (subscriber_id, channel_id),
  CHECK (subscriber_id <> channel_id)
);
CREATE INDEX subscriptions_subscriber_newest_idx ON subscriptions (subscriber_id, created_at DESC, channel_id DESC);
CREATE INDEX subscriptions_channel_idx ON subscriptions (channel_id);
