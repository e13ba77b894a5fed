-- OAuth 2.0 authorization server for podcast apps (src/accounts/oauth/).

-- Registered apps: operational data, not events. Registration is anonymous and open, so it
-- belongs to no account stream, and a client is configuration, not something a user did.
CREATE TABLE oauth_clients (
  client_id     text PRIMARY KEY,
  name          text NOT NULL,
  redirect_uris text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Read model of the grants projector (src/accounts/oauth/grants-projector.ts), built from the
-- `grants-<userId>` streams; emptied and replayed on rebuild, so nothing else writes to it.
CREATE TABLE oauth_grants (
  grant_id     text PRIMARY KEY,
  user_id      text NOT NULL,
  client_id    text NOT NULL,
  client_name  text NOT NULL,
  scopes       text[] NOT NULL,
  redirect_uri text NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX oauth_grants_by_user ON oauth_grants (user_id);

-- When an app last used a grant. Kept apart from oauth_grants because a projection rebuild
-- truncates that table, and this is not derived from events.
CREATE TABLE oauth_grant_usage (
  grant_id     text PRIMARY KEY,
  last_used_at timestamptz NOT NULL
);

-- Authorization codes: single use, short-lived, stored as the SHA-256 of the code.
-- No foreign keys to oauth_grants: a rebuild truncates it.
CREATE TABLE oauth_codes (
  code_hash      text PRIMARY KEY,
  client_id      text NOT NULL,
  redirect_uri   text NOT NULL,
  code_challenge text NOT NULL,
  grant_id       text NOT NULL,
  user_id        text NOT NULL,
  scopes         text[] NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz
);
CREATE INDEX oauth_codes_by_grant ON oauth_codes (grant_id);
CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);

-- Access and refresh tokens: operational state (they rotate hourly), stored hashed.
-- family_id groups the tokens descending from one authorization code through refreshes.
CREATE TABLE oauth_tokens (
  token_hash text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('access', 'refresh')),
  grant_id   text NOT NULL,
  user_id    text NOT NULL,
  client_id  text NOT NULL,
  family_id  text NOT NULL,
  scopes     text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Refresh tokens only: when it was exchanged for a new pair (presenting it again is reuse).
  rotated_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX oauth_tokens_by_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_by_family ON oauth_tokens (family_id);
CREATE INDEX oauth_tokens_by_expiry ON oauth_tokens (expires_at);
