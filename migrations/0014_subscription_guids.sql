-- Open Podcast API adapter (src/adapters/openpodcast): subscriptions are named by a GUID, and
-- clients ask for what changed since a date.
--
-- `guid`: the feed's own podcast:guid when a client sent it, else the UUIDv5 the Podcast
-- Namespace derives from the feed URL (src/subscriptions/feed-guid.ts); it follows the
-- subscription when the feed moves. `updated_at`: the server time of the last event that changed
-- the row (not the client time of `changed_at`), so that a change recorded late, from an offline
-- device, is still after a client's `since`. Both are filled by the subscriptions projector,
-- whose new version rebuilds the table at start.
ALTER TABLE subscriptions ADD COLUMN guid text;
ALTER TABLE subscriptions ADD COLUMN updated_at timestamptz;
CREATE INDEX subscriptions_by_guid ON subscriptions (user_id, guid);
