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
  // Built field by field (same key order as before) rather than with spreads and a sorted array:
  // it runs for every row written and every command answered, on the busiest upload path.
  const updatedAt = latest(latest(latest(latest(state.progress?.at, state.played?.at), state.download?.at), state.saved?.at), state.shares.lastAt);
  const view = {} as EpisodeStateView;
  if (state.episode) view.episode = state.episode;
  if (state.progress) view.progress = state.progress;
  if (state.played) view.played = state.played;
  if (state.download) view.download = state.download;
  if (state.saved) view.saved = state.saved;
  view.shares = state.shares;
  view.inProgress = isInProgress(state);
  view.finished = isFinished(state);
  if (updatedAt !== undefined) view.updatedAt = updatedAt;
  return view;
}

/** The later of two ISO times (they compare as strings), either possibly absent. */
function latest(a: IsoTime | undefined, b: IsoTime | undefined): IsoTime | undefined {
  return a === undefined || (b !== undefined && b > a) ? b : a;
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
  // The view is made when read: a gpodder.net upload answers none of its commands' states.
  // (States are never changed in place, so reading it later gives the same view.)
  let view: EpisodeStateView | undefined;
  return {
    applied: !decided.some(isSuperseded),
    get state() {
      return (view ??= episodeStateView(stateAfter));
    },
  };
}
