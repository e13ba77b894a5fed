import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import { principalOf } from '../../http/authentication.js';
import type { PlaybackService } from '../../playback/playback-service.js';
import type { ListeningState } from '../../playback/listening-decider.js';
import type { Sql } from '../../store/sql.js';
import { userHead } from '../../sync/sync-read.js';
import { answerUpload, beforeUpload, giveTimestamp, markOf, rememberDownload } from '../gpodder/marks.js';
import { GPODDER_COOKIE } from '../gpodder/sessions.js';
import { actionsOf, latestAction, type StoredAction } from './format-actions.js';
import { parseEpisodeActions } from './parse-actions.js';

/** Episode rows read per download at most (mygpo answers 1,000 actions); the rest comes next time. */
export const MAX_EPISODES_PER_DOWNLOAD = 1000;
const KNOWN_DEVICES_KEPT = 10_000;

export interface DownloadOptions {
  feedUrl?: string;
  device?: string;
  aggregated?: boolean;
  /** Seconds taken off `since` first (Nextcloud: AntennaPod resumes at its own clock after an upload). */
  marginSeconds?: number;
  limit?: number;
}

export interface ActionsPage {
  actions: { streamId: string; action: StoredAction }[];
  timestamp: number;
}

/** Keys the callers that sign in with the account password (see callerKey); never stored. */
const PROCESS_KEY = randomBytes(32);

/**
 * Who is syncing, for the upload answer (marks.ts `uploadTimestamp`): a download names no device,
 * but the upload after it comes with the same credentials. The device an app password was made
 * for, else the app password or token, else the gpodder.net session cookie (a hash of its random
 * secret), else (the account password over Basic) an HMAC with a key of this process only: a
 * stored hash of a password would be open to guessing. That last key changes with a restart, or
 * between server processes; the upload then answers a second mapped to the head before it.
 */
export function callerKey(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.deviceId) return principal.deviceId;
  if (principal.credentialId) return `~c:${principal.credentialId}`;
  const authorization = request.headers.authorization;
  const cookie = request.cookies?.[GPODDER_COOKIE];
  if (!authorization && cookie) return `~s:${createHash('sha256').update(cookie).digest('base64url').slice(0, 22)}`;
  return `~p:${createHmac('sha256', PROCESS_KEY).update(authorization ?? principal.userId).digest('base64url').slice(0, 22)}`;
}

/**
 * Episode actions of gpodder.net and Nextcloud gpoddersync over the playback context: uploads
 * become listening commands (parse-actions.ts), downloads read the `episode_states` read model
 * (format-actions.ts). `since`/`timestamp` are the seconds of marks.ts, mapped onto the account's
 * event numbers: a download returns every episode whose state changed after the mark of `since`.
 */
export class EpisodeActionSync {
  private readonly knownDevices = new Set<string>();

  constructor(
    private readonly db: Sql,
    private readonly playback: PlaybackService,
    private readonly devices: DeviceService,
  ) {}

  async download(userId: string, caller: string, since: number, options: DownloadOptions = {}): Promise<ActionsPage> {
    // The head first: every number up to it has committed, so the rows read next hold all of them.
    const head = await userHead(this.db, userId);
    const mark = since <= 0 ? 0 : await markOf(this.db, userId, since - (options.marginSeconds ?? 0));
    const limit = options.limit ?? MAX_EPISODES_PER_DOWNLOAD;
    const result = await this.db.query<{ stream_id: string; seq: number; state: ListeningState }>(
      `SELECT s.stream_id, s.seq, e.state FROM episode_state_seqs s JOIN episode_states e ON e.stream_id = s.stream_id
       WHERE s.user_id = $1 AND s.seq > $2 AND s.seq <= $3 AND ($4::text IS NULL OR e.feed_url = $4)
       ORDER BY s.seq, s.stream_id LIMIT $5`,
      [userId, mark, head, options.feedUrl ?? null, limit + 1],
      { name: 'balados_episode_actions_since' },
    );
    let rows = result.rows;
    let upTo = head;
    if (rows.length > limit) {
      // Cut between events, never through one (a feed move gives all its episodes one number).
      const last = Number(rows[limit - 1]!.seq);
      const whole = rows.slice(0, limit).filter((row) => Number(row.seq) < last);
      rows = whole.length > 0 ? whole : await this.rowsOf(userId, last, options.feedUrl);
      upTo = Number(rows[rows.length - 1]!.seq);
    }
    const actions = rows.flatMap((row) => {
      const all = actionsOf(row.state).filter((action) => options.device === undefined || action.device === options.device);
      const shown = options.aggregated ? [latestAction(all)].filter((action) => action !== undefined) : all;
      return shown.map((action) => ({ streamId: row.stream_id, action }));
    });
    const timestamp = await giveTimestamp(this.db, userId, upTo, Date.now());
    await rememberDownload(this.db, userId, caller, 'episodes', timestamp);
    return { actions, timestamp };
  }

  private async rowsOf(userId: string, seq: number, feedUrl: string | undefined) {
    const result = await this.db.query<{ stream_id: string; seq: number; state: ListeningState }>(
      `SELECT s.stream_id, s.seq, e.state FROM episode_state_seqs s JOIN episode_states e ON e.stream_id = s.stream_id
       WHERE s.user_id = $1 AND s.seq = $2 AND ($3::text IS NULL OR e.feed_url = $3) ORDER BY s.stream_id`,
      [userId, seq, feedUrl ?? null],
    );
    return result.rows;
  }

  /** Records an upload, all or nothing; answers the `timestamp` for the client and the rewritten podcast URLs. */
  async upload(userId: string, caller: string, body: unknown, options: { ignoreDevice?: boolean } = {}): Promise<{ timestamp: number; updateUrls: [string, string][] }> {
    const { writes, devices, updateUrls } = parseEpisodeActions(body, options);
    const before = await beforeUpload(this.db, userId, caller, 'episodes');
    await this.playback.recordAll(userId, writes);
    // The devices after the actions: a refused upload creates none either.
    const [timestamp] = await Promise.all([answerUpload(this.db, userId, before, Date.now()), ...[...devices].map((device) => this.ensureDevice(userId, device))]);
    return { timestamp, updateUrls };
  }

  /** Whether the account has this device (for the `device=` filter). */
  async hasDevice(userId: string, deviceId: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM devices WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
    return (result.rowCount ?? 0) > 0;
  }

  /** mygpo creates the devices actions name; known ones are remembered, so a busy upload path skips the lookup. */
  private async ensureDevice(userId: string, deviceId: string): Promise<void> {
    const key = `${userId}\n${deviceId}`;
    if (this.knownDevices.has(key)) return;
    await this.devices.ensure(userId, deviceId);
    if (this.knownDevices.size >= KNOWN_DEVICES_KEPT) this.knownDevices.clear();
    this.knownDevices.add(key);
  }
}
