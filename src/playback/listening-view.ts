import type { IsoTime } from '../domain/client-time.js';
import type { EpisodeIdentity } from './episode-identity.js';
import type { DownloadRegister, ListeningState, PlayedRegister, ProgressRegister, SavedRegister, Shares } from './listening-decider.js';

/**
 * What projections and the API read of one episode's listening state: each aspect's winning
 * write with its time and device, and the notions the lists are made of.
 */
export interface EpisodeStateView {
  episode?: EpisodeIdentity;
  progress?: ProgressRegister;
  played?: PlayedRegister;
  download?: DownloadRegister;
  saved?: SavedRegister;
  shares: Shares;
  /** Started and not finished: a position past 0 and not marked played. */
  inProgress: boolean;
  /** Marked played (finished), whatever the position says. */
  finished: boolean;
  /** The latest winning write of any aspect (shares included); absent when nothing was recorded. */
  updatedAt?: IsoTime;
}

export function isFinished(state: ListeningState): boolean {
  return state.played?.played === true;
}

export function isInProgress(state: ListeningState): boolean {
  return (state.progress?.position ?? 0) > 0 && !isFinished(state);
}

export function episodeStateView(state: ListeningState): EpisodeStateView {
  const times = [state.progress?.at, state.played?.at, state.download?.at, state.saved?.at, state.shares.lastAt].filter((at): at is IsoTime => at !== undefined);
  const updatedAt = times.sort().at(-1);
  return {
    ...(state.episode ? { episode: state.episode } : {}),
    ...(state.progress ? { progress: state.progress } : {}),
    ...(state.played ? { played: state.played } : {}),
    ...(state.download ? { download: state.download } : {}),
    ...(state.saved ? { saved: state.saved } : {}),
    shares: state.shares,
    inProgress: isInProgress(state),
    finished: isFinished(state),
    ...(updatedAt !== undefined ? { updatedAt } : {}),
  };
}

/** Whether a decided (or stored) event lost to a later write: recorded as history only. */
export function isSuperseded(event: { data: unknown }): boolean {
  return (event.data as { superseded?: unknown } | null)?.superseded === true;
}

/**
 * What the API answers a device after a listening command: `applied` is false when its write
 * was older than the winner (recorded, but the state did not move), and `state` is the winning
 * state either way, so the device can adopt it. A resend of the winner (no event) was applied.
 *
 * `decided`: the events the command produced; `stateAfter`: the state once they are folded in
 * (what `CommandHandler.handle` returns).
 */
export interface ListeningOutcome {
  applied: boolean;
  state: EpisodeStateView;
}

export function listeningOutcome(decided: readonly { data: unknown }[], stateAfter: ListeningState): ListeningOutcome {
  return { applied: !decided.some(isSuperseded), state: episodeStateView(stateAfter) };
}
