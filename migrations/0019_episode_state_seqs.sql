-- Every position update rewrites an episode's `episode_states` row. While the row also held the
-- account number of its last change (`seq`) and the time of it (`updated_at`), both indexed, no
-- such update could be HOT: each wrote a new row version plus an entry in all five indexes
-- (two of them computing md5 of URLs), and the table and its indexes grew with every update.
-- The number moves to a narrow table of its own; `updated_at` is no longer indexed (the lists
-- sorting on it sort one account's rows). An update of the state then changes no indexed
-- column, and with free room left on each page it stays on its page (docs/benchmarks.md).
CREATE TABLE episode_state_seqs (
  stream_id text PRIMARY KEY,
  user_id   text NOT NULL,
  seq       bigint NOT NULL
);
INSERT INTO episode_state_seqs (stream_id, user_id, seq) SELECT stream_id, user_id, seq FROM episode_states;
CREATE INDEX episode_state_seqs_by_user ON episode_state_seqs (user_id, seq);

DROP INDEX episode_states_by_seq;
DROP INDEX episode_states_recent;
ALTER TABLE episode_states DROP COLUMN seq;
ALTER TABLE episode_states SET (fillfactor = 75);
-- Stream versions move on every append too; their updates are HOT when the page has room.
ALTER TABLE streams SET (fillfactor = 90);
