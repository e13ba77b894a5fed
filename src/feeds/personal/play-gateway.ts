import type { EpisodeRef } from '../../playback/episode-identity.js';
import type { PlaybackService } from '../../playback/playback-service.js';

/**
 * What a request through the play gateway records. The gateway sees an app fetch an enclosure,
 * which may be a play or an automatic download, and never a position: so it records that the
 * listener started the episode (progress at 0 s) when nothing is known of the episode yet, and
 * nothing otherwise. A progress already recorded by a player is never moved back to 0, and the
 * episode is never marked played from a fetch alone (docs/sync-semantics.md, play gateway).
 */
export async function recordGatewayPlay(playback: PlaybackService, userId: string, episode: Required<EpisodeRef>): Promise<boolean> {
  const known = await playback.get(userId, episode);
  if (known?.progress || known?.played) return false;
  await playback.record(userId, { episode, change: { kind: 'recordProgress', position: 0, started: 0 } });
  return true;
}
