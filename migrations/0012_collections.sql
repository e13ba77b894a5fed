-- Collections (inline read models of the collections context, one `collections-<userId>` stream
-- per account): named, ordered groups of feeds. A deleted collection keeps its row (deleted,
-- without feeds), so that a device that syncs later learns of the deletion. `seq` is the
-- account event number of the last event that changed what the collection shows.
CREATE TABLE collections (
  user_id       text NOT NULL,
  collection_id text NOT NULL,
  name          text NOT NULL,
  visibility    text NOT NULL CHECK (visibility IN ('public', 'private')),
  deleted       boolean NOT NULL DEFAULT false,
  -- Client times: of the creation, of the latest change shown, of the deletion.
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  deleted_at    timestamptz,
  seq           bigint NOT NULL,
  PRIMARY KEY (user_id, collection_id)
);
CREATE INDEX collections_by_seq ON collections (user_id, seq);

-- The feeds (normalized feed URLs) of the collections not deleted, at positions 0, 1, 2...
-- (shifted by the events' `changes`; not unique, for the same reason as playlist_items).
CREATE TABLE collection_feeds (
  user_id       text NOT NULL,
  collection_id text NOT NULL,
  feed_url      text NOT NULL,
  position      integer NOT NULL,
  added_at      timestamptz NOT NULL,
  PRIMARY KEY (user_id, collection_id, feed_url)
);
CREATE INDEX collection_feeds_in_order ON collection_feeds (user_id, collection_id, position);
