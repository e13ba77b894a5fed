/** What bench/feeds-parse.ts (the runner) and bench/feeds/contender.ts (each child) share. */

export const CONTENDERS = ['ours-streaming', 'ours-all', 'saxes', 'fast-xml-parser', 'rss-parser'] as const;
export type ContenderName = (typeof CONTENDERS)[number] | 'baseline' | 'verify';

/** Episodes kept by the streaming configuration, as the server will use it for big feeds. */
export const STREAMING_MAX_EPISODES = 50;

export interface ContenderResult {
  contender: ContenderName;
  /** cold: the process's first parse; warm: its second, after an untimed parse of the same input. */
  mode: 'cold' | 'warm';
  items: number;
  bytes: number;
  elapsedMs: number;
  /**
   * CPU time of the whole process during the timed part (user + system, all threads: V8's
   * compiler and GC threads included). Other work on the machine inflates it far less than
   * elapsed time, so it is the steadier figure for comparing changes on a busy machine.
   */
  cpuMs: number;
  mbPerSecond: number;
  /** The peak RSS figure used by the report, MB (10^6 bytes). */
  peakRssMb: number;
  sampledRssMb: number;
  vmHwmMb: number | null;
  maxRssMb: number;
  /** RSS once the library is loaded, before reading the file. */
  startRssMb: number;
  /** verify only: what our parser reported. */
  details?: Record<string, unknown>;
}
