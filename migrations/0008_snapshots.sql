-- Decision state of busy streams (an episode's listening state is updated every few seconds
-- while it plays): written in the transaction of each append, so a decision reads one row and
-- the events after it instead of folding the whole stream. `schema_version` is the state's
-- shape: a snapshot of another shape is ignored (the stream is folded again).
CREATE TABLE snapshots (
  stream_id      text PRIMARY KEY,
  version        bigint NOT NULL,
  schema_version integer NOT NULL,
  state          jsonb NOT NULL
);
