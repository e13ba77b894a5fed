-- Read models of the accounts projector (src/accounts/accounts-projector.ts).
CREATE TABLE accounts (
  user_id             text PRIMARY KEY,
  username            text NOT NULL,
  -- Lower-cased username: the unique index makes two registrations of one name fail atomically.
  username_key        text NOT NULL UNIQUE,
  password_hash       text NOT NULL,
  is_admin            boolean NOT NULL,
  disabled            boolean NOT NULL DEFAULT false,
  registered_at       timestamptz NOT NULL,
  password_changed_at timestamptz NOT NULL
);

CREATE TABLE account_credentials (
  credential_id text PRIMARY KEY,
  user_id       text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('app_password', 'personal_token')),
  label         text NOT NULL,
  device_id     text,
  scopes        text[] NOT NULL DEFAULT '{}',
  secret_hash   text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX account_credentials_by_user ON account_credentials (user_id);

-- Read model of the devices projector (src/accounts/devices/devices-projector.ts).
CREATE TABLE devices (
  user_id     text NOT NULL,
  device_id   text NOT NULL,
  caption     text NOT NULL,
  device_type text NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, device_id)
);
