-- Nextcloud Login Flow v2 (src/adapters/nextcloud/login-flows.ts), how AntennaPod's "Nextcloud"
-- option signs in: an app starts a flow anonymously, the user grants it access in the browser,
-- and the app's poll then receives an app password, once.
--
-- Operational state, not events: a flow lives 20 minutes and, until the user acts, belongs to
-- no account. Both secrets (the browser's link and the app's poll token) are stored as their
-- SHA-256 only. The app password itself is created when the app polls, so it is never stored
-- here in any form.
CREATE TABLE nextcloud_login_flows (
  poll_hash   text PRIMARY KEY,
  login_hash  text NOT NULL UNIQUE,
  client_name text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  -- The account that granted access (null while pending).
  user_id     text,
  granted_at  timestamptz,
  -- Set when the poll handed out the app password: it is answered once.
  redeemed_at timestamptz
);
CREATE INDEX nextcloud_login_flows_by_user ON nextcloud_login_flows (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX nextcloud_login_flows_by_expiry ON nextcloud_login_flows (expires_at);
