/**
 * What a checkout's feed parser makes of many inputs, to check that a change to the parser changes
 * nothing it should not (a refactoring, a speed-up): run it on the code before and after, then
 * compare the two files, which must be identical.
 *
 *   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   node --import tsx bench/feeds/parser-output.ts /tmp/before /tmp/before.jsonl [big-feed.xml]
 *   node --import tsx bench/feeds/parser-output.ts . /tmp/after.jsonl [big-feed.xml]
 *   cmp /tmp/before.jsonl /tmp/after.jsonl
 *
 * Inputs: parser-inputs.ts (the shared feeds and mutated copies of each), and optionally a big
 * feed (e.g. the 20.9 MB one `BENCH_FEEDS_KEEP=1 npm run bench:feeds` leaves). One JSON line per
 * input and way of cutting it, at two levels: the feed parser's result (and every `onEpisode`
 * call), fed bytes in chunks of 1, 13, 1,000 and 65,536 bytes; and the raw XML events of its saxes
 * subclass (every event with the line, column and position saxes reports there, every error),
 * fed text in chunks of 1, 7, 4,096 characters and whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { inputs } from './parser-inputs.js';

const root = path.resolve(process.argv[2] ?? '.');
const out = fs.createWriteStream(process.argv[3] ?? '/dev/stdout');
const bigFeed = process.argv[4];
const { createFeedParser } = await import(path.join(root, 'src/feeds/parser/index.ts'));
const { NamespacedSaxesParser } = await import(path.join(root, 'src/feeds/parser/xml-names.ts'));

function feedResult(data: Buffer, chunk: number, maxEpisodes?: number): string {
  const calls: string[] = [];
  try {
    const parser = createFeedParser({ maxEpisodes, onEpisode: (e: { guid: string }) => calls.push(JSON.stringify(e)) });
    for (let o = 0; o < data.length; o += chunk) parser.write(data.subarray(o, o + chunk));
    const result = parser.end();
    return JSON.stringify({ result, calls });
  } catch (error) {
    return JSON.stringify({ error: String(error), code: (error as { code?: string }).code, calls });
  }
}

function xmlEvents(text: string, chunk: number): string {
  const events: string[] = [];
  const xml = new NamespacedSaxesParser();
  for (const name of ['text', 'cdata', 'comment', 'processinginstruction', 'doctype', 'xmldecl', 'closetag', 'end']) {
    xml.on(name, (value: unknown) => events.push(`${name} ${JSON.stringify(value)} @${xml.line}:${xml.column}:${xml.position}`));
  }
  xml.on('opentag', (tag: { name: string; isSelfClosing: boolean }) => events.push(`open ${tag.name} ${tag.isSelfClosing} @${xml.line}:${xml.column}`));
  xml.on('attribute', (a: { name: string; value: string }) => events.push(`attr ${a.name}=${JSON.stringify(a.value)} @${xml.line}:${xml.column}`));
  xml.on('error', (e: Error) => events.push(`error ${e.message}`));
  try {
    for (let o = 0; o < text.length; o += chunk) xml.write(text.slice(o, o + chunk));
    xml.close();
  } catch (error) {
    events.push(`threw ${String(error)}`);
  }
  events.push(`final @${xml.line}:${xml.column}:${xml.position}`);
  return events.join('\n');
}

let count = 0;
for (const { name, data, big } of inputs(bigFeed)) {
  const chunks = big ? [65536, 7777] : [1, 13, 1000, 65536];
  for (const chunk of chunks) {
    out.write(`${name} feed ${chunk} ${feedResult(data, chunk)}\n`);
    if (big) out.write(`${name} feed50 ${chunk} ${feedResult(data, chunk, 50)}\n`);
  }
  if (!big) {
    const text = data.toString('utf8');
    for (const chunk of [1, 7, 4096, 1e9]) out.write(`${name} xml ${chunk} ${JSON.stringify(xmlEvents(text, chunk))}\n`);
    // The bytes read as latin-1: other characters, C1 controls among them, at other offsets.
    out.write(`${name} xml-latin1 ${JSON.stringify(xmlEvents(data.toString('latin1'), 13))}\n`);
  }
  count++;
}
out.end();
console.error(`${count} inputs`);
