/**
 * One contender of `npm run bench:feeds`, run in its own process so that its peak memory is its own:
 *
 *   node --import tsx bench/feeds/contender.ts <contender> <file> [cold|warm]
 *
 * cold (the default): the one parse of the process is timed, with nothing compiled by V8's
 * optimizing tiers yet. warm: the same input is parsed once untimed first, in the same process,
 * then the second parse is timed: the steady state of a process that parses all day (a server).
 * Every contender is measured both ways, the same way; peak memory is read from cold runs only
 * (a warm run's high-water mark includes its warm-up parse).
 *
 * Contenders: ours-streaming, ours-all, saxes, fast-xml-parser, rss-parser, and two helpers:
 * baseline (does nothing: the memory floor of a child) and verify (full parse, reports what was read).
 * The timed part includes reading the file (page cache) and decoding it; loading the library does
 * not. Prints one line on stdout: `RESULT {json}` (see ContenderResult).
 *
 * Peak memory: process.memoryUsage.rss() sampled every 10 ms (only between chunks: a synchronous
 * whole-string parse never lets the timer run), /proc/self/status VmHWM (the kernel's high-water
 * mark of this process's memory since exec, exact), and resourceUsage().maxRSS. On Linux the
 * latter survives exec, so in a child it also includes the parent's RSS at fork time; it is only
 * used where VmHWM is unavailable.
 */
import fs from 'node:fs';
import { TextDecoder } from 'node:util';
import { CONTENDERS, STREAMING_MAX_EPISODES, type ContenderName, type ContenderResult } from './shared.js';

type Run = (file: string) => Promise<{ items: number; details?: Record<string, unknown> }>;

const MB = 1e6;

async function load(name: ContenderName): Promise<Run> {
  switch (name) {
    case 'baseline':
      return async () => ({ items: 0 });
    case 'ours-streaming':
    case 'ours-all':
    case 'verify': {
      const { createFeedParser, parseFeed } = await import('../../src/feeds/parser/index.js');
      if (name === 'ours-streaming') {
        return async (file) => {
          let items = 0;
          const parser = createFeedParser({ maxEpisodes: STREAMING_MAX_EPISODES, onEpisode: () => void items++ });
          for await (const chunk of fs.createReadStream(file)) parser.write(chunk as Buffer);
          const result = parser.end();
          if (result.episodes.length !== Math.min(items, STREAMING_MAX_EPISODES)) throw new Error(`kept ${result.episodes.length} episodes`);
          return { items };
        };
      }
      if (name === 'ours-all') {
        return async (file) => {
          const result = await parseFeed(fs.createReadStream(file));
          return { items: result.episodes.length };
        };
      }
      return async (file) => {
        const result = await parseFeed(fs.createReadStream(file));
        const guids = new Set(result.episodes.map((episode) => episode.guid));
        return {
          items: result.episodes.length,
          details: {
            episodeCount: result.episodeCount,
            uniqueGuids: guids.size,
            liveItems: result.liveItems.length,
            wellFormed: result.wellFormed,
            truncated: result.truncated,
            encoding: result.encoding,
            podcastTitle: result.podcast.title,
            withEnclosure: result.episodes.filter((episode) => episode.enclosure !== null).length,
            warnings: result.warnings.slice(0, 10),
          },
        };
      };
    }
    case 'saxes': {
      const { SaxesParser } = await import('saxes');
      return async (file) => {
        let items = 0;
        let errors = 0;
        let firstError: string | null = null;
        const xml = new SaxesParser({ xmlns: true });
        // Empty handlers (saxes does the tokenizing, namespace and entity work regardless); the
        // close handler only counts items, the error handler makes saxes continue like ours.
        xml.on('opentag', () => {});
        xml.on('text', () => {});
        xml.on('cdata', () => {});
        xml.on('closetag', (tag) => {
          if (tag.local === 'item') items++;
        });
        xml.on('error', (error) => {
          errors++;
          firstError ??= error.message;
        });
        const decoder = new TextDecoder('utf-8');
        for await (const chunk of fs.createReadStream(file)) xml.write(decoder.decode(chunk as Buffer, { stream: true }));
        xml.write(decoder.decode());
        xml.close();
        return { items, details: errors > 0 ? { errors, firstError } : undefined };
      };
    }
    case 'fast-xml-parser': {
      const { XMLParser } = await import('fast-xml-parser');
      return async (file) => {
        // Attributes kept: a podcast client needs enclosure URLs, which are attributes.
        const parser = new XMLParser({ ignoreAttributes: false });
        const document = parser.parse(fs.readFileSync(file, 'utf8')) as { rss?: { channel?: { item?: unknown } } };
        const item = document.rss?.channel?.item;
        return { items: Array.isArray(item) ? item.length : item === undefined ? 0 : 1 };
      };
    }
    case 'rss-parser': {
      const { default: Parser } = await import('rss-parser');
      return async (file) => {
        const feed = await new Parser().parseString(fs.readFileSync(file, 'utf8'));
        return { items: feed.items.length };
      };
    }
  }
}

function vmHwmBytes(): number | null {
  try {
    const match = /^VmHWM:\s*(\d+)\s*kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const [name, file, mode = 'cold'] = process.argv.slice(2);
  const known: readonly string[] = [...CONTENDERS, 'baseline', 'verify'];
  if (name === undefined || file === undefined || !known.includes(name) || (mode !== 'cold' && mode !== 'warm')) {
    throw new Error(`usage: contender.ts <${known.join('|')}> <file> [cold|warm]`);
  }
  const contender = name as ContenderName;
  const run = await load(contender);
  const bytes = fs.statSync(file).size;
  if (mode === 'warm') {
    const warmUp = await run(file);
    // The untimed parse must have done the same work as the timed one.
    if (warmUp.items === 0 && contender !== 'baseline') throw new Error('the warm-up parse read no items');
    // The warm-up's garbage is collected before the clock starts (when the runner passes
    // --expose-gc, as it does for every contender): the timed parse pays for its own work only.
    (globalThis as { gc?: () => void }).gc?.();
  }

  const startRss = process.memoryUsage.rss();
  let sampled = startRss;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const outcome = await run(file);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(startedCpu);
  clearInterval(sampler);
  sampled = Math.max(sampled, process.memoryUsage.rss());

  const vmHwm = vmHwmBytes();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const peak = Math.max(sampled, vmHwm ?? maxRss);
  const result: ContenderResult = {
    contender,
    mode,
    items: outcome.items,
    bytes,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    mbPerSecond: bytes / MB / (elapsedMs / 1000),
    peakRssMb: peak / MB,
    sampledRssMb: sampled / MB,
    vmHwmMb: vmHwm === null ? null : vmHwm / MB,
    maxRssMb: maxRss / MB,
    startRssMb: startRss / MB,
    ...(outcome.details === undefined ? {} : { details: outcome.details }),
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();
