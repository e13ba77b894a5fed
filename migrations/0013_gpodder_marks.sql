-- gpodder.net API v2 adapter (src/adapters/gpodder).
--
-- Its clients resume with `since=<integer seconds>`, a value the server gave them earlier as
-- `timestamp`. Each second given out to an account is recorded with the account's event-number
-- head (user_sequences.seq) at that moment, the LOWEST such head when the same second is given
-- out several times: `since=T` then means "rows with seq above the mark of T", so two uploads in
-- the same second cannot hide each other.
CREATE TABLE gpodder_marks (
  user_id text NOT NULL,
  second  bigint NOT NULL,
  head    bigint NOT NULL,
  PRIMARY KEY (user_id, second)
);

-- The `sessionid` cookie gPodder and AntennaPod send back instead of Basic credentials. Kept
-- apart from the web sessions (table sessions): a cookie earned with an app password must not
-- open the web pages, and it dies with that app password (credential_id).
CREATE TABLE gpodder_sessions (
  session_hash  text PRIMARY KEY,
  user_id       text NOT NULL,
  credential_id text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX gpodder_sessions_by_user ON gpodder_sessions (user_id);

-- The last second a download gave each device, per kind of data: an upload answers it (not a
-- fresh second), so that a device never steps over another device's change that landed
-- between its download and its upload.
CREATE TABLE gpodder_device_marks (
  user_id   text NOT NULL,
  device_id text NOT NULL,
  kind      text NOT NULL,
  second    bigint NOT NULL,
  PRIMARY KEY (user_id, device_id, kind)
);
