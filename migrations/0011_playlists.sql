-- Playlists (inline read models of the playlists context, one `playlist-<userId>-<playlistId>`
-- stream per playlist). One row per playlist the account ever created: a deleted playlist keeps
-- its row (deleted, without items), so that a device that syncs later learns of the deletion.
-- `seq` is the account event number of the last event that changed what the playlist shows
-- (GET /api/v1/sync returns each changed playlist whole, with its items).
CREATE TABLE playlists (
  user_id     text NOT NULL,
  playlist_id text NOT NULL,
  name        text NOT NULL,
  description text NOT NULL,
  visibility  text NOT NULL CHECK (visibility IN ('public', 'private')),
  deleted     boolean NOT NULL DEFAULT false,
  -- Client times: of the creation, of the latest change shown, of the deletion.
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  deleted_at  timestamptz,
  seq         bigint NOT NULL,
  PRIMARY KEY (user_id, playlist_id)
);
CREATE INDEX playlists_by_seq ON playlists (user_id, seq);

-- The items of the playlists not deleted, at positions 0, 1, 2... in order. Positions are
-- shifted by the events' `changes` (src/playlists/playlists-projector.ts), so they are not a
-- unique key: an UPDATE that shifts a range would collide with itself row by row.
CREATE TABLE playlist_items (
  user_id     text NOT NULL,
  playlist_id text NOT NULL,
  item_id     text NOT NULL,
  position    integer NOT NULL,
  feed_url    text NOT NULL,
  guid        text,
  media_url   text,
  title       text,
  added_at    timestamptz NOT NULL,
  PRIMARY KEY (user_id, playlist_id, item_id)
);
CREATE INDEX playlist_items_in_order ON playlist_items (user_id, playlist_id, position);
