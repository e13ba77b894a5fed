import { DEVICE_ID_PATTERN } from '../accounts/devices/device-decider.js';
import { effectiveTime, supersedes, type IsoTime } from '../domain/client-time.js';
import { DomainError, type Decider } from '../domain/decider.js';
import { identityFor, mergeIdentity, type EpisodeIdentity, type EpisodeRef } from './episode-identity.js';

/**
 * The listening state of one episode for one user (one stream per user and episode; the stream
 * is named elsewhere). Each aspect is its own last-writer-wins register, keyed by the effective
 * client time of the write (client-time.ts: the latest client time wins, a future time is
 * clamped to the server's, ties go to the later arrival):
 *
 * - progress: where the listener is (`position`), where this listening session began
 *   (`started`), the episode's duration as the player knows it (`total`), all in seconds;
 * - played: the finished flag; download: 'downloaded' or 'deleted'; saved: the liked flag;
 * - shares: occurrences, never stale: a count and the latest share.
 *
 * A write older than its aspect's current winner is still recorded (it happened: a device did
 * listen from 100 s to 500 s while offline), with `superseded: true`, and changes nothing. The
 * API tells that device it lost and what won (listening-view.ts: `listeningOutcome`). Resending
 * the current winner (same aspect, time, device and values) records nothing; the same values
 * with a newer time are recorded, since that time must beat an older write still on its way.
 * A share resent is dropped only when it is the latest share (older resends count again).
 *
 * Seconds are kept to the millisecond (gpodder clients send whole seconds, others fractions; an
 * app reading back what it sent must find it unchanged). `started` may exceed `position`
 * (seeking back) and `position` may exceed `total` (durations in feeds are often wrong).
 *
 * `evolve` needs only the state and the event, and the state is plain JSON (no Map, Date or
 * undefined value): it can be stored as a snapshot and decisions made against it. Evolve
 * re-applies the last-writer-wins rule rather than trusting `superseded`, so the events of two
 * streams can be folded together in any order (identity merges) and give the same registers.
 */
export const MAX_SECONDS = 10_000_000;
/** Bump when the shape of `ListeningState` changes: stored snapshots of another version are rebuilt from events. */
export const LISTENING_STATE_VERSION = 1;

export const DOWNLOAD_STATES = ['downloaded', 'deleted'] as const;
export type DownloadState = (typeof DOWNLOAD_STATES)[number];

/** Who wrote a register's value and when (effective client time); no `deviceId` from the web page. */
export interface Stamp {
  at: IsoTime;
  deviceId?: string;
}

export interface ProgressValues {
  started?: number;
  position: number;
  total?: number;
}

export interface ProgressRegister extends ProgressValues, Stamp {}
export interface PlayedRegister extends Stamp {
  played: boolean;
}
export interface DownloadRegister extends Stamp {
  state: DownloadState;
}
export interface SavedRegister extends Stamp {
  saved: boolean;
}
export interface Shares {
  count: number;
  /** The latest share (by effective time), absent before the first. */
  lastAt?: IsoTime;
  lastDeviceId?: string;
}

export interface ListeningState {
  /** Absent until the first event. */
  episode?: EpisodeIdentity;
  progress?: ProgressRegister;
  played?: PlayedRegister;
  download?: DownloadRegister;
  saved?: SavedRegister;
  shares: Shares;
}

interface CommandBase {
  episode: EpisodeRef;
  /** Server time of receipt (ms). */
  receivedAt: number;
  /** The device's time of the change (ms); clamped to `receivedAt` when in the future. */
  clientTime?: number;
  deviceId?: string;
}

export type ListeningCommand =
  | (CommandBase & { kind: 'recordProgress' } & ProgressValues)
  | (CommandBase & { kind: 'setPlayed'; played: boolean })
  | (CommandBase & { kind: 'setDownload'; state: DownloadState })
  | (CommandBase & { kind: 'setSaved'; saved: boolean })
  | (CommandBase & { kind: 'share' });

interface EventBase extends Stamp {
  episode: EpisodeIdentity;
}
interface RecordedBase extends EventBase {
  /** Present (true) when an aspect's later write had already won: history only, the state did not move. */
  superseded?: true;
}

export type ListeningEvent =
  | { type: 'EpisodeProgressRecorded'; data: RecordedBase & ProgressValues }
  | { type: 'EpisodePlayedStateRecorded'; data: RecordedBase & { played: boolean } }
  | { type: 'EpisodeDownloadStateRecorded'; data: RecordedBase & { state: DownloadState } }
  | { type: 'EpisodeSavedStateRecorded'; data: RecordedBase & { saved: boolean } }
  | { type: 'EpisodeShared'; data: EventBase };

export const LISTENING_EVENT_TYPES: readonly ListeningEvent['type'][] = [
  'EpisodeProgressRecorded',
  'EpisodePlayedStateRecorded',
  'EpisodeDownloadStateRecorded',
  'EpisodeSavedStateRecorded',
  'EpisodeShared',
];

type Verdict = 'wins' | 'retry' | 'stale';

/** How a write compares with its register's winner; `sameValues`: it says what the winner says. */
function judge(write: Stamp, current: Stamp | undefined, sameValues: boolean): Verdict {
  if (current && sameValues && write.at === current.at && write.deviceId === current.deviceId) return 'retry';
  return supersedes(write.at, current?.at) ? 'wins' : 'stale';
}

function stampOf(command: CommandBase): Stamp {
  const deviceId = command.deviceId;
  if (deviceId !== undefined && (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId))) {
    throw new DomainError('invalid_device_id', 'Device ids are 1 to 64 letters, digits, "_", "-" or "."', 400);
  }
  const at = effectiveTime(command.clientTime, command.receivedAt);
  return deviceId === undefined ? { at } : { at, deviceId };
}

function seconds(value: unknown, code: string, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_SECONDS) {
    throw new DomainError(code, `${name} is a number of seconds from 0 to ${MAX_SECONDS}`, 400);
  }
  // To the millisecond; `+ 0` turns -0 into 0, which JSON could not give back.
  return Math.round(value * 1000) / 1000 + 0;
}

function progressValues(command: ProgressValues): ProgressValues {
  const position = seconds(command.position, 'invalid_position', 'The position');
  const started = command.started == null ? undefined : seconds(command.started, 'invalid_started', 'The start of the session');
  const total = command.total == null ? undefined : seconds(command.total, 'invalid_total', 'The total duration');
  if (total !== undefined && total <= 0) throw new DomainError('invalid_total', 'The total duration is more than 0 seconds', 400);
  return progress(started, position, total);
}

// Objects with optional fields are built by assignment, in the order they always had: spreading
// `...(x !== undefined ? { x } : {})` allocates and copies at every step, and these run for
// every listening command and event (the decider and evolve are the core of an upload).
function progress(started: number | undefined, position: number, total: number | undefined): ProgressValues {
  const values = (started !== undefined ? { started, position } : { position }) as ProgressValues;
  if (total !== undefined) values.total = total;
  return values;
}

function sameProgress(a: ProgressValues, b: ProgressValues): boolean {
  return a.position === b.position && a.started === b.started && a.total === b.total;
}

function checkFlag(value: unknown, code: string, name: string): boolean {
  if (typeof value !== 'boolean') throw new DomainError(code, `${name} is true or false`, 400);
  return value;
}

function recorded<Values extends object>(episode: EpisodeIdentity, stamp: Stamp, values: Values, verdict: Verdict): RecordedBase & Values {
  const data = { episode, at: stamp.at } as RecordedBase & Values;
  if (stamp.deviceId !== undefined) data.deviceId = stamp.deviceId;
  Object.assign(data, values);
  if (verdict === 'stale') data.superseded = true;
  return data;
}

function stampFrom(data: Stamp): Stamp {
  return data.deviceId === undefined ? { at: data.at } : { at: data.at, deviceId: data.deviceId };
}

export function initialListeningState(): ListeningState {
  return { shares: { count: 0 } };
}

export const listeningDecider: Decider<ListeningCommand, ListeningEvent, ListeningState> = {
  initialState: initialListeningState,

  evolve(state, event) {
    const next: ListeningState = { ...state, episode: mergeIdentity(state.episode, event.data.episode) };
    switch (event.type) {
      case 'EpisodeProgressRecorded': {
        const d = event.data;
        if (supersedes(d.at, state.progress?.at)) {
          const register = progress(d.started, d.position, d.total) as ProgressRegister;
          register.at = d.at;
          if (d.deviceId !== undefined) register.deviceId = d.deviceId;
          next.progress = register;
        }
        return next;
      }
      case 'EpisodePlayedStateRecorded':
        if (supersedes(event.data.at, state.played?.at)) next.played = { played: event.data.played, ...stampFrom(event.data) };
        return next;
      case 'EpisodeDownloadStateRecorded':
        if (supersedes(event.data.at, state.download?.at)) next.download = { state: event.data.state, ...stampFrom(event.data) };
        return next;
      case 'EpisodeSavedStateRecorded':
        if (supersedes(event.data.at, state.saved?.at)) next.saved = { saved: event.data.saved, ...stampFrom(event.data) };
        return next;
      case 'EpisodeShared': {
        const { count, ...last } = state.shares;
        const latest = supersedes(event.data.at, last.lastAt) ? { lastAt: event.data.at, ...(event.data.deviceId !== undefined ? { lastDeviceId: event.data.deviceId } : {}) } : last;
        next.shares = { count: count + 1, ...latest };
        return next;
      }
    }
  },

  decide(command, state) {
    const episode = identityFor(command.episode, state.episode);
    const stamp = stampOf(command);
    switch (command.kind) {
      case 'recordProgress': {
        const values = progressValues(command);
        const verdict = judge(stamp, state.progress, state.progress !== undefined && sameProgress(values, state.progress));
        return verdict === 'retry' ? [] : [{ type: 'EpisodeProgressRecorded', data: recorded(episode, stamp, values, verdict) }];
      }
      case 'setPlayed': {
        const played = checkFlag(command.played, 'invalid_played', 'Played');
        const verdict = judge(stamp, state.played, state.played?.played === played);
        return verdict === 'retry' ? [] : [{ type: 'EpisodePlayedStateRecorded', data: recorded(episode, stamp, { played }, verdict) }];
      }
      case 'setDownload': {
        if (!DOWNLOAD_STATES.includes(command.state)) {
          throw new DomainError('invalid_download_state', `The download state is one of ${DOWNLOAD_STATES.join(', ')}`, 400);
        }
        const verdict = judge(stamp, state.download, state.download?.state === command.state);
        return verdict === 'retry' ? [] : [{ type: 'EpisodeDownloadStateRecorded', data: recorded(episode, stamp, { state: command.state }, verdict) }];
      }
      case 'setSaved': {
        const saved = checkFlag(command.saved, 'invalid_saved', 'Saved');
        const verdict = judge(stamp, state.saved, state.saved?.saved === saved);
        return verdict === 'retry' ? [] : [{ type: 'EpisodeSavedStateRecorded', data: recorded(episode, stamp, { saved }, verdict) }];
      }
      case 'share':
        // A share happens; it never loses to another. Only a resend of the latest one is dropped.
        if (state.shares.lastAt === stamp.at && state.shares.lastDeviceId === stamp.deviceId) return [];
        return [{ type: 'EpisodeShared', data: { episode, ...stamp } }];
      default:
        throw new DomainError('unknown_command', 'Unknown listening command', 400);
    }
  },
};
