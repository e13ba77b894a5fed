-- The podcast catalog (cross-user, async read models of the feed streams `feed-<hash>`) and the
-- refresh schedule of the feeds someone subscribes to (operational state, written directly).

CREATE TABLE catalog_podcasts (
  feed_url        text PRIMARY KEY,
  title           text,
  author          text,
  description     text,
  image_url       text,
  language        text,
  link            text,
  podcast_guid    text,
  -- Everything else the feed said (categories, Podcasting 2.0 funding, persons, value...).
  details         jsonb NOT NULL,
  episode_count   integer NOT NULL DEFAULT 0,
  -- Set when the feed moved (permanent redirect or itunes:new-feed-url).
  moved_to        text,
  first_fetched_at timestamptz NOT NULL,
  changed_at      timestamptz NOT NULL
);

CREATE TABLE catalog_episodes (
  feed_url         text NOT NULL,
  guid             text NOT NULL,
  media_url        text,
  title            text,
  media_type       text,
  media_length     bigint,
  duration_seconds double precision,
  published_at     timestamptz,
  season           integer,
  episode          integer,
  details          jsonb NOT NULL,
  discovered_at    timestamptz NOT NULL,
  changed_at       timestamptz NOT NULL
);
-- Hashed: guids and media URLs may be 2,048 characters of any script, more than an index entry holds.
CREATE UNIQUE INDEX catalog_episodes_key ON catalog_episodes (feed_url, md5(guid));
CREATE INDEX catalog_episodes_by_media ON catalog_episodes (feed_url, md5(media_url)) WHERE media_url IS NOT NULL;
-- Pages of a podcast's episodes, newest first (undated last), the guid's hash breaking ties.
CREATE INDEX catalog_episodes_by_date ON catalog_episodes (feed_url, published_at DESC NULLS LAST, md5(guid));

-- One row per feed to refresh. The lease (owner, expiry) makes one process fetch a feed at a
-- time; an expired lease (a crashed process) is taken over.
CREATE TABLE feed_schedule (
  feed_url          text PRIMARY KEY,
  next_fetch_at     timestamptz NOT NULL,
  interval_seconds  integer NOT NULL,
  failures          integer NOT NULL DEFAULT 0,
  last_error_code   text,
  last_error_message text,
  last_error_at     timestamptz,
  last_fetched_at   timestamptz,
  last_success_at   timestamptz,
  last_status       text,
  etag              text,
  last_modified     text,
  -- sha256 of the last body parsed: an unchanged body answered 200 is not parsed again.
  content_hash      text,
  lease_owner       text,
  lease_expires_at  timestamptz
);
CREATE INDEX feed_schedule_due ON feed_schedule (next_fetch_at);

-- Who subscribes to a feed (the scheduler fetches only feeds with subscribers; a feed move
-- reaches every subscriber).
CREATE INDEX subscriptions_by_feed ON subscriptions (feed_url) WHERE subscribed;
