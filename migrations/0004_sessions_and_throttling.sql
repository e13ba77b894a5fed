-- Web sessions: operational state, not events (a login is not a change to the account).
CREATE TABLE sessions (
  session_hash text PRIMARY KEY,
  user_id      text NOT NULL,
  csrf_token   text NOT NULL,
  user_agent   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
-- Fixed-window counters shared by every server process (login and token throttling).
CREATE TABLE rate_limits (
  key          text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL
);
