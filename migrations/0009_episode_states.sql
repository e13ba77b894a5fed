-- Listening state per (account, episode): inline read model of the playback context, and the
-- state its decisions are made against (`state` is the decider's state, `version` the stream
-- version it reflects), so a position update reads one row instead of folding the episode's
-- history. The other columns are that state's queryable parts.
CREATE TABLE episode_states (
  stream_id   text PRIMARY KEY,
  user_id     text NOT NULL,
  feed_url    text NOT NULL,
  guid        text,
  media_url   text,
  state       jsonb NOT NULL,
  version     bigint NOT NULL,
  position    double precision,
  in_progress boolean NOT NULL,
  played      boolean NOT NULL,
  saved       boolean NOT NULL,
  downloaded  boolean NOT NULL,
  -- The latest winning write of any aspect (client time): "recently played" lists sort on it.
  updated_at  timestamptz NOT NULL,
  seq         bigint NOT NULL
);
-- Hashed: a guid may be 2,048 characters of any script, more than an index entry may hold.
CREATE INDEX episode_states_by_guid ON episode_states (user_id, feed_url, md5(guid)) WHERE guid IS NOT NULL;
CREATE INDEX episode_states_by_media ON episode_states (user_id, feed_url, md5(media_url)) WHERE media_url IS NOT NULL;
CREATE INDEX episode_states_by_seq ON episode_states (user_id, seq);
CREATE INDEX episode_states_recent ON episode_states (user_id, updated_at DESC);
