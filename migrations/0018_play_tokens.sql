-- Play tokens (personal feed and play-gateway URLs) are credentials of the account stream, kept
-- with the others (hashed, revocable), as a kind of their own: only the feed and gateway routes
-- look them up, so they authenticate nothing else.
ALTER TABLE account_credentials DROP CONSTRAINT account_credentials_kind_check;
ALTER TABLE account_credentials ADD CONSTRAINT account_credentials_kind_check CHECK (kind IN ('app_password', 'personal_token', 'play_token'));
