import type { Projector } from '../src/projections/projector.js';
import type { RecordedEvent } from '../src/store/events.js';
import type { Sql } from '../src/store/sql.js';

/**
 * A projection shaped like the real per-user playback read model: the latest position per
 * (user, feed, episode). Set-based: one upsert per batch, the last event of each key winning.
 */
const tables = `CREATE TABLE IF NOT EXISTS bench_episode_positions (
  user_id text NOT NULL, feed text NOT NULL, episode text NOT NULL,
  position integer NOT NULL, total integer NOT NULL, played boolean NOT NULL, updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, feed, episode))`;

interface Play {
  feed: string;
  episode: string;
  position: number;
  total: number;
  played: boolean;
}

async function apply(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
  const latest = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    const play = event.data as Play;
    const user = event.metadata.userId ?? '';
    latest.set(`${user}\u0000${play.feed}\u0000${play.episode}`, {
      user_id: user,
      feed: play.feed,
      episode: play.episode,
      position: play.position,
      total: play.total,
      played: play.played,
      updated_at: event.recordedAt.toISOString(),
    });
  }
  await tx.query(
    `INSERT INTO bench_episode_positions (user_id, feed, episode, position, total, played, updated_at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(user_id text, feed text, episode text, position integer, total integer, played boolean, updated_at timestamptz)
     ON CONFLICT (user_id, feed, episode) DO UPDATE SET position = EXCLUDED.position, total = EXCLUDED.total,
       played = EXCLUDED.played, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify([...latest.values()])],
  );
}

export const episodePositions = {
  tables,
  projector(kind: 'inline' | 'async'): Projector {
    return { name: `bench_episode_positions_${kind}`, kind, version: 1, handles: ['PlayPositionUpdated'], tables: ['bench_episode_positions'], apply };
  },
};
