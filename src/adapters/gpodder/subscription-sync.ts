import type { DeviceService } from '../../accounts/devices/device-service.js';
import type { Sql } from '../../store/sql.js';
import type { SubscriptionService } from '../../subscriptions/subscription-service.js';
import { userHead } from '../../sync/sync-read.js';
import { giveTimestamp, markOf, rememberDownload, uploadTimestamp } from './marks.js';

export interface SubscriptionDelta {
  add: string[];
  remove: string[];
  timestamp: number;
}

/**
 * The subscription delta of the gpodder-style APIs (gpodder.net, and the Nextcloud app
 * gpoddersync) over the one account-wide list: all devices of an account form one permanent
 * sync group (mygpo keeps a list per device; a sync group makes a change on one device apply to
 * all), so every device sees every change.
 *
 * `markKey` names the client whose last download an upload answers with (marks.ts,
 * `uploadTimestamp`): the device id on gpodder.net; the Nextcloud API has no devices and uses a
 * key of its own.
 */
export class GpodderSubscriptionSync {
  constructor(
    private readonly db: Sql,
    private readonly subscriptions: SubscriptionService,
    private readonly devices: DeviceService,
  ) {}

  /** gpodder.net: the net change since `since` for a device (created on first use). */
  async download(userId: string, deviceId: string, since: number): Promise<SubscriptionDelta> {
    await this.devices.ensure(userId, deviceId);
    return this.changesSince(userId, deviceId, since);
  }

  /** gpodder.net: applies a device's subscribes/unsubscribes; answers the `timestamp` for the client. */
  async upload(userId: string, deviceId: string, changes: ReadonlyMap<string, boolean>): Promise<number> {
    await this.devices.ensure(userId, deviceId);
    return this.applyChanges(userId, deviceId, changes, deviceId);
  }

  /**
   * The net change since `since`: each feed once, in `add` or in `remove`. `marginSeconds` moves
   * the start back for clients whose `since` may come from their own clock (the Nextcloud API).
   */
  async changesSince(userId: string, markKey: string, since: number, marginSeconds = 0): Promise<SubscriptionDelta> {
    // The head first: every number up to it has committed, so the rows read next hold all of
    // them (and maybe later ones, sent again next time: harmless).
    const head = await userHead(this.db, userId);
    const mark = await markOf(this.db, userId, since - marginSeconds);
    const rows = await this.db.query<{ feed_url: string; subscribed: boolean }>(
      'SELECT feed_url, subscribed FROM subscriptions WHERE user_id = $1 AND seq > $2 ORDER BY seq, feed_url',
      [userId, mark],
      { name: 'balados_gpodder_subscriptions_since' },
    );
    const add = rows.rows.filter((row) => row.subscribed).map((row) => row.feed_url);
    // A client starting from nothing has nothing to remove.
    const remove = since > 0 ? rows.rows.filter((row) => !row.subscribed).map((row) => row.feed_url) : [];
    const timestamp = await giveTimestamp(this.db, userId, head, Date.now());
    await rememberDownload(this.db, userId, markKey, 'subscriptions', timestamp);
    return { add, remove, timestamp };
  }

  /** Applies subscribes/unsubscribes (recorded for `deviceId`, else the request's device). */
  async applyChanges(userId: string, markKey: string, changes: ReadonlyMap<string, boolean>, deviceId?: string): Promise<number> {
    const headBefore = await userHead(this.db, userId);
    if (changes.size > 0) {
      await this.subscriptions.change(
        userId,
        [...changes].map(([feedUrl, subscribed]) => ({ feedUrl, subscribed })),
        deviceId ? { deviceId } : {},
      );
    }
    return uploadTimestamp(this.db, userId, markKey, 'subscriptions', headBefore, Date.now());
  }

  /** The simple API's PUT: the account's list becomes `feedUrls` (normalized). */
  async replace(userId: string, deviceId: string, feedUrls: readonly string[]): Promise<void> {
    await this.devices.ensure(userId, deviceId);
    const wanted = new Set(feedUrls);
    const current = new Set((await this.subscriptions.list(userId)).map((subscription) => subscription.feedUrl));
    const changes = [
      ...[...wanted].filter((url) => !current.has(url)).map((feedUrl) => ({ feedUrl, subscribed: true })),
      ...[...current].filter((url) => !wanted.has(url)).map((feedUrl) => ({ feedUrl, subscribed: false })),
    ];
    if (changes.length > 0) await this.subscriptions.change(userId, changes, { deviceId });
  }

  async current(userId: string): Promise<{ feedUrl: string; title: string | null }[]> {
    return (await this.subscriptions.list(userId)).map((subscription) => ({ feedUrl: subscription.feedUrl, title: subscription.title }));
  }
}
