/**
 * Feed parser benchmark: `npm run bench:feeds`.
 *
 * Parse throughput and peak memory of our streaming parser against its peers, side by side in one
 * run, on the same generated inputs (bench/feeds/generate-feed.ts: ~21 MB / 5,000 items and
 * ~104 MB / 25,000 items, built from the real feeds in /work/shared/feeds). Each measurement runs
 * in its own child process (bench/feeds/contender.ts), so peak RSS is the contender's own; the
 * contenders are interleaved (A, B, C, D, E, A, B, ...) and each figure is the median of the runs,
 * shown with the slowest and fastest run, and the machine's load average (other work on a shared
 * machine slows the contenders unevenly). The issue's targets are checked at the end. Progress on
 * stderr, the report on stdout.
 *
 * Every contender on the 20 MB feed is measured twice per round, in two children: cold (the
 * process's first parse, timed before V8 has optimized anything: a fresh process, a CLI, a job
 * that parses one feed) and warm (the same input parsed once untimed first in the same process,
 * then timed: a server that parses feeds all day). Both columns are reported and the targets are
 * checked on each. Peak memory comes from the cold runs only.
 * Environment:
 *   BENCH_FEEDS_RUNS: runs per contender on the 20 MB feed (default 5)
 *   BENCH_FEEDS_BIG_RUNS: runs of ours (streaming) on the 100 MB feed (default 3; peers run once)
 *   BENCH_FEEDS_KEEP=1: keep the generated files (their directory is printed)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS, STREAMING_MAX_EPISODES, type ContenderName, type ContenderResult } from './feeds/shared.js';
import { generateFeed } from './feeds/generate-feed.js';

const RUNS = Number(process.env.BENCH_FEEDS_RUNS ?? 5);
const BIG_RUNS = Number(process.env.BENCH_FEEDS_BIG_RUNS ?? 3);
const ITEMS = 5_000;
const BIG_ITEMS = 25_000;
const BIG_RSS_TARGET_MB = 150;
/** Peers (non-streaming, whole document in memory) get a 4 GB heap, as the issue asks. */
const PEER_FLAGS = ['--max-old-space-size=4096'];
/**
 * Every child: lets a warm run collect its warm-up's garbage before the clock starts (see
 * contender.ts). A cold run does not call gc(); the flag changes nothing else.
 */
const CHILD_FLAGS = ['--expose-gc'];
const MODES = ['cold', 'warm'] as const;
type Mode = (typeof MODES)[number];
const CHILD_TIMEOUT_MS = 15 * 60_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const contenderScript = path.join(root, 'bench', 'feeds', 'contender.ts');

type Peer = 'fast-xml-parser' | 'rss-parser';
const PEERS: readonly Peer[] = ['fast-xml-parser', 'rss-parser'];

function version(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const LABELS: Record<ContenderName, string> = {
  'ours-streaming': `ours, streaming (createFeedParser, maxEpisodes ${STREAMING_MAX_EPISODES})`,
  'ours-all': 'ours, all episodes kept (parseFeed)',
  saxes: `raw saxes ${version('saxes')} (xmlns, empty handlers)`,
  'fast-xml-parser': `fast-xml-parser ${version('fast-xml-parser')} (whole string, attributes kept)`,
  'rss-parser': `rss-parser ${version('rss-parser')} (parseString)`,
  baseline: 'idle child (node + tsx, nothing parsed)',
  verify: 'verification',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

type Outcome = { ok: true; result: ContenderResult } | { ok: false; reason: string };

/** Runs one contender in a fresh `node --import tsx` process and reads its RESULT line. */
function runChild(contender: ContenderName, file: string, flags: string[] = [], mode: Mode = 'cold'): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CHILD_FLAGS, ...flags, '--import', 'tsx', contenderScript, contender, file, mode], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      // Keep the end: that is where the error is.
      stderr = (stderr + data).slice(-20_000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
      if (code === 0 && line !== undefined) {
        resolve({ ok: true, result: JSON.parse(line.slice('RESULT '.length)) as ContenderResult });
        return;
      }
      resolve({ ok: false, reason: timedOut ? `timed out after ${CHILD_TIMEOUT_MS / 60_000} min` : failureReason(stderr, code, signal) });
    });
  });
}

/** The most telling line of a failed child's stderr: the error message, or the V8 OOM banner. */
function failureReason(stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const oom = lines.find((line) => /heap out of memory|Allocation failed/i.test(line));
  const error = oom ?? lines.find((line) => /^\w*Error\b.*:/.test(line)) ?? lines.at(-1);
  const exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
  return `${(error ?? 'no output').slice(0, 160)} (${exit})`;
}

/** Peak RSS of an idle plain `node` (no tsx loader), MB; null where /proc is unavailable. */
function plainNodeRss(): Promise<number | null> {
  const script = "const m=/^VmHWM:\\s*(\\d+)/m.exec(require('fs').readFileSync('/proc/self/status','utf8'));console.log(m?m[1]*1024:'')";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => (out += data));
    child.on('error', () => resolve(null));
    child.on('close', () => resolve(Number(out.trim()) > 0 ? Number(out.trim()) / 1e6 : null));
  });
}

function flagsFor(contender: ContenderName): string[] {
  return (PEERS as readonly string[]).includes(contender) ? PEER_FLAGS : [];
}

function formatNumber(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(value: number, reference: number | null): string {
  return reference === null || reference === 0 ? 'n/a' : `${formatNumber(value / reference, 2)}×`;
}

function passFail(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}

interface Summary {
  contender: ContenderName;
  runs: ContenderResult[];
  failures: string[];
  mbPerSecond: number | null;
  /** Median CPU time per run, ms (see ContenderResult.cpuMs). */
  cpuMs: number | null;
  /** Slowest and fastest run, MB/s: how much the runs disagree (a shared machine shows it here). */
  range: string;
  peakRssMb: number | null;
  items: string;
}

function summarize(contender: ContenderName, outcomes: Outcome[], expectedItems: number): Summary {
  const runs = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
  const failures = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.reason]));
  const counts = [...new Set(runs.map((run) => run.items))];
  let items = counts.map((count) => count.toLocaleString('en-US')).join(' / ');
  if (counts.some((count) => count !== expectedItems)) items += ` (expected ${expectedItems.toLocaleString('en-US')})`;
  return {
    contender,
    runs,
    failures,
    mbPerSecond: runs.length === 0 ? null : median(runs.map((run) => run.mbPerSecond)),
    cpuMs: runs.length === 0 ? null : median(runs.map((run) => run.cpuMs)),
    range:
      runs.length === 0
        ? ''
        : `${formatNumber(Math.min(...runs.map((run) => run.mbPerSecond)))}–${formatNumber(Math.max(...runs.map((run) => run.mbPerSecond)))}`,
    peakRssMb: runs.length === 0 ? null : median(runs.map((run) => run.peakRssMb)),
    items: runs.length === 0 ? '' : items,
  };
}

interface Rates {
  summaries: Summary[];
  ours: number | null;
  saxesRate: number | null;
  fasterPeer: number | null;
  fasterPeerName: Peer | null;
}

/** The figures the targets compare, from one mode's summaries. */
function rates(summaries: Summary[]): Rates {
  const byName = new Map(summaries.map((summary) => [summary.contender, summary]));
  const peerRates = PEERS.map((peer) => byName.get(peer)!.mbPerSecond).filter((rate): rate is number => rate !== null);
  const fasterPeer = peerRates.length === 0 ? null : Math.max(...peerRates);
  return {
    summaries,
    ours: byName.get('ours-streaming')!.mbPerSecond,
    saxesRate: byName.get('saxes')!.mbPerSecond,
    fasterPeer,
    fasterPeerName: PEERS.find((peer) => byName.get(peer)!.mbPerSecond === fasterPeer) ?? null,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-feeds-bench-'));
  const keep = process.env.BENCH_FEEDS_KEEP === '1';
  try {
    await bench(dir);
  } finally {
    if (keep) log(`generated feeds kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function bench(dir: string): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  log(`generating feeds in ${dir}`);
  const feed = generateFeed(path.join(dir, `feed-${ITEMS}.xml`), ITEMS);
  const big = generateFeed(path.join(dir, `feed-${BIG_ITEMS}.xml`), BIG_ITEMS);
  for (const generated of [feed, big]) log(`  ${path.basename(generated.file)}: ${generated.items.toLocaleString('en-US')} items, ${formatNumber(generated.bytes / 1e6)} MB`);

  log('verifying the 20 MB feed with our parser');
  const verification = await runChild('verify', feed.file);
  if (!verification.ok) throw new Error(`verification: our parser failed on the generated feed: ${verification.reason}`);
  const details = verification.result.details ?? {};
  if (verification.result.items !== ITEMS || details['episodeCount'] !== ITEMS || details['uniqueGuids'] !== ITEMS) {
    throw new Error(
      `verification FAILED: the generated feed should give exactly ${ITEMS} episodes with unique GUIDs; our parser returned ` +
        `${verification.result.items} episodes (episodeCount ${String(details['episodeCount'])}, unique GUIDs ${String(details['uniqueGuids'])}); ` +
        `warnings: ${JSON.stringify(details['warnings'])}`,
    );
  }
  if (details['wellFormed'] !== true) log(`  warning: our parser reports the generated feed as not well-formed: ${JSON.stringify(details['warnings'])}`);
  log(`  ${ITEMS} episodes, unique GUIDs, wellFormed ${String(details['wellFormed'])}`);

  const baseline = await runChild('baseline', feed.file);
  const baselineMb = baseline.ok ? baseline.result.peakRssMb : null;
  const plainNodeMb = await plainNodeRss();

  // 1. Throughput on the 20 MB feed: contenders interleaved, each cold then warm, RUNS rounds.
  const outcomes = new Map<string, Outcome[]>();
  for (let run = 1; run <= RUNS; run++) {
    for (const contender of CONTENDERS) {
      for (const mode of MODES) {
        const outcome = await runChild(contender, feed.file, flagsFor(contender), mode);
        outcomes.set(`${contender} ${mode}`, [...(outcomes.get(`${contender} ${mode}`) ?? []), outcome]);
        log(
          outcome.ok
            ? `run ${run}/${RUNS} ${contender} ${mode}: ${formatNumber(outcome.result.mbPerSecond)} MB/s, ${outcome.result.items} items, ${Math.round(outcome.result.elapsedMs)} ms (CPU ${Math.round(outcome.result.cpuMs)} ms), peak RSS ${formatNumber(outcome.result.peakRssMb)} MB`
            : `run ${run}/${RUNS} ${contender} ${mode}: failed: ${outcome.reason}`,
        );
        if (outcome.ok && outcome.result.details !== undefined) log(`  details: ${JSON.stringify(outcome.result.details)}`);
      }
    }
  }
  const measured = new Map(
    MODES.map((mode) => {
      const summaries = CONTENDERS.map((name) => summarize(name, outcomes.get(`${name} ${mode}`)!, ITEMS));
      return [mode, rates(summaries)] as const;
    }),
  );

  // 2. Memory on the 100 MB feed: ours streaming (the target), then the others once, if they survive.
  log(`100 MB feed: ours streaming x${BIG_RUNS}, then each other contender once`);
  const bigOutcomes = new Map<ContenderName, Outcome[]>();
  const bigPlan: ContenderName[] = [...Array.from({ length: BIG_RUNS }, () => 'ours-streaming' as const), 'saxes', 'ours-all', 'fast-xml-parser', 'rss-parser'];
  for (const contender of bigPlan) {
    const flags = contender === 'ours-all' ? PEER_FLAGS : flagsFor(contender);
    const outcome = await runChild(contender, big.file, flags);
    bigOutcomes.set(contender, [...(bigOutcomes.get(contender) ?? []), outcome]);
    log(
      outcome.ok
        ? `100 MB ${contender}: ${formatNumber(outcome.result.mbPerSecond)} MB/s, ${outcome.result.items} items, peak RSS ${formatNumber(outcome.result.peakRssMb)} MB`
        : `100 MB ${contender}: failed: ${outcome.reason}`,
    );
  }
  const bigSummaries = [...bigOutcomes].map(([name, list]) => summarize(name, list, BIG_ITEMS));
  const bigOurs = bigSummaries.find((summary) => summary.contender === 'ours-streaming')!;
  const bigOursMaxRss = bigOurs.runs.length === 0 ? null : Math.max(...bigOurs.runs.map((run) => run.peakRssMb));

  // Report.
  const out: string[] = [];
  out.push('');
  out.push(
    `Feed parser benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}; ` +
      // Other work on the machine slows every contender, unevenly: say how busy it was.
      `1-minute load average ${formatNumber(loadAtStart, 2)} at the start, ${formatNumber(os.loadavg()[0]!, 2)} at the end`,
  );
  out.push('');
  out.push(
    `Input: generated RSS feed, ${ITEMS.toLocaleString('en-US')} items, ${formatNumber(feed.bytes / 1e6)} MB (${feed.bytes.toLocaleString('en-US')} bytes), ` +
      `from the real feeds in /work/shared/feeds. ${RUNS} runs per contender and mode (cold, warm), interleaved, one child process per run; medians. ` +
      `MB/s = file size / time (read + decode + parse; library loading excluded). CPU = the child's user + system time meanwhile, all threads ` +
      `(less sensitive to other work on the machine than MB/s). Peak RSS = the child's VmHWM (whole process).`,
  );
  out.push('');
  for (const mode of MODES) {
    const { summaries, saxesRate, fasterPeer, fasterPeerName } = measured.get(mode)!;
    out.push(
      mode === 'cold'
        ? "Cold: each run is the child's first parse (nothing optimized by V8 yet). Peak RSS: these runs."
        : 'Warm: each child parses the same input once untimed, collects its garbage, then the timed parse runs. ' +
            'Peak RSS is not shown (it includes the warm-up parse).',
    );
    out.push('');
    out.push(`| contender (${mode}) | items | MB/s (median) | MB/s (min–max) | vs raw saxes | vs faster peer | CPU ms (median) |${mode === 'cold' ? ' peak RSS MB |' : ''}`);
    out.push(`|---|---:|---:|---:|---:|---:|---:|${mode === 'cold' ? '---:|' : ''}`);
    for (const summary of summaries) {
      if (summary.mbPerSecond === null) {
        out.push(`| ${LABELS[summary.contender]} | failed: ${summary.failures[0] ?? '?'} | | | | | |${mode === 'cold' ? ' |' : ''}`);
        continue;
      }
      const failed = summary.failures.length > 0 ? ` (${summary.failures.length} run(s) failed: ${summary.failures[0]})` : '';
      out.push(
        `| ${LABELS[summary.contender]}${failed} | ${summary.items} | ${formatNumber(summary.mbPerSecond)} | ${summary.range} | ${ratio(summary.mbPerSecond, saxesRate)} | ` +
          `${ratio(summary.mbPerSecond, fasterPeer)} | ${formatNumber(summary.cpuMs!, 0)} |${mode === 'cold' ? ` ${formatNumber(summary.peakRssMb!)} |` : ''}`,
      );
    }
    out.push('');
    out.push(`Faster peer (${mode}): ${fasterPeerName ?? 'none (all failed)'}.`);
    out.push('');
  }
  out.push(
    `An idle child (node + tsx loader, nothing parsed) peaks at ${baselineMb === null ? '?' : formatNumber(baselineMb)} MB RSS; it is included in every figure` +
      (plainNodeMb === null ? '.' : ` (an idle plain \`node\` without the tsx loader: ${formatNumber(plainNodeMb)} MB).`),
  );
  out.push('');
  out.push(`100 MB feed: ${BIG_ITEMS.toLocaleString('en-US')} items, ${formatNumber(big.bytes / 1e6)} MB. Peers and ours (all episodes) run once with ${PEER_FLAGS.join(' ')}; ours streaming ${BIG_RUNS}× with default flags.`);
  out.push('');
  out.push('| contender (100 MB feed) | items | MB/s | peak RSS MB |');
  out.push('|---|---:|---:|---:|');
  for (const summary of bigSummaries) {
    if (summary.mbPerSecond === null) {
      out.push(`| ${LABELS[summary.contender]} | failed: ${summary.failures[0] ?? '?'} | | |`);
      continue;
    }
    const peak =
      summary.contender === 'ours-streaming' && summary.runs.length > 1
        ? `${formatNumber(summary.peakRssMb!)} (median; max ${formatNumber(bigOursMaxRss!)})`
        : formatNumber(summary.peakRssMb!);
    const rate = summary.runs.length > 1 ? `${formatNumber(summary.mbPerSecond)} (median of ${summary.runs.length})` : formatNumber(summary.mbPerSecond);
    out.push(`| ${LABELS[summary.contender]} | ${summary.items} | ${rate} | ${peak} |`);
  }

  const targets: Array<[string, boolean | null, string]> = MODES.flatMap((mode): Array<[string, boolean | null, string]> => {
    const { ours, saxesRate, fasterPeer } = measured.get(mode)!;
    return [
      [
        `${mode}: ours (streaming) ≥ 2× the faster peer, MB/s`,
        ours === null || fasterPeer === null ? null : ours >= 2 * fasterPeer,
        ours === null || fasterPeer === null ? 'n/a' : `${formatNumber(ours)} vs 2 × ${formatNumber(fasterPeer)} = ${formatNumber(2 * fasterPeer)} (${ratio(ours, fasterPeer)})`,
      ],
      [
        `${mode}: ours (streaming) ≥ 60% of raw saxes, MB/s`,
        ours === null || saxesRate === null ? null : ours >= 0.6 * saxesRate,
        ours === null || saxesRate === null ? 'n/a' : `${formatNumber(ours)} vs 60% × ${formatNumber(saxesRate)} = ${formatNumber(0.6 * saxesRate)} (${Math.round((ours / saxesRate) * 100)}%)`,
      ],
    ];
  });
  targets.push(
    [
      `100 MB feed in < ${BIG_RSS_TARGET_MB} MB RSS (ours, streaming, maxEpisodes ${STREAMING_MAX_EPISODES})`,
      bigOursMaxRss === null ? null : bigOursMaxRss < BIG_RSS_TARGET_MB,
      bigOursMaxRss === null ? `failed: ${bigOurs.failures[0] ?? '?'}` : `max peak RSS over ${bigOurs.runs.length} run(s): ${formatNumber(bigOursMaxRss)} MB`,
    ],
  );
  out.push('');
  out.push('Targets:');
  out.push('');
  for (const [name, pass, detail] of targets) out.push(`- ${pass === null ? 'FAIL' : passFail(pass)}: ${name}: ${detail}`);
  console.log(out.join('\n'));
}

try {
  await main();
} catch (error) {
  log(`bench:feeds FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
