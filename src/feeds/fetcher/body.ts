/**
 * The response body as the caller sees it: decompressed, size-limited, time-limited, and tied to the
 * concurrency permits of its request, which it gives back whatever way the body ends.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { FeedFetchError, toFeedFetchError } from './errors.js';

/**
 * Chunks of the decoded body. Contract: consume it to the end, or stop early with `break` (in a
 * `for await`), `return()` or `cancel()`. A body left alone still gives its connection and permits back
 * when the total body timeout fires, but holds them until then.
 */
export interface FeedBody extends AsyncIterableIterator<Uint8Array> {
  /** Stops the download and releases the connection and permits. Idempotent. */
  cancel(): Promise<void>;
}

export interface FeedBodyOptions {
  url: string;
  /** The Content-Encoding header, all values joined. */
  contentEncoding: string | undefined;
  /** From the Content-Length header: bytes on the wire, compressed if encoded. */
  contentLength: number | undefined;
  /** Limit for both the bytes received and the bytes after decompression. */
  maxBytes: number;
  /** Counted from the headers: a trickling server or a stalled consumer cannot hold a permit for long. */
  totalTimeoutMs: number;
  signal: AbortSignal | undefined;
  /** Gives the concurrency permits back; called exactly when the body is done with, possibly twice. */
  release: () => void;
}

type Coding = 'gzip' | 'deflate' | 'br';

const CODINGS: Record<string, Coding> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };

// Two stacked codings are legal but rare; more is not a real server, and each one is a zlib stream.
const MAX_CODINGS = 2;

/** Codings to undo, in the order they were applied; undefined when the body is to be passed as is. */
function parseCodings(header: string | undefined, url: string): Coding[] | undefined {
  const tokens = (header ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity' && token !== 'none');
  if (tokens.length === 0) return undefined;
  // Servers send nonsense like "UTF-8" here: the bytes are then most likely not encoded at all, and the
  // feed parser is better placed than a guess to say whether they make a feed.
  if (!tokens.every((token) => token in CODINGS)) return undefined;
  if (tokens.length > MAX_CODINGS) {
    throw new FeedFetchError('decode_error', `${url} uses ${tokens.length} stacked content codings`, { url });
  }
  return tokens.map((token) => CODINGS[token]!);
}

function isZlibHeader(first: number, second: number): boolean {
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

/**
 * Decoders to pipe through, outermost coding first. With a single coding the first bytes are looked at:
 * servers label plain bodies "gzip" (a proxy already decoded them) and send raw DEFLATE as "deflate".
 */
function decodersFor(codings: Coding[], head: Buffer): Transform[] {
  if (codings.length === 1) {
    const [coding] = codings;
    if (coding === 'gzip' && !(head[0] === 0x1f && head[1] === 0x8b)) return [];
    if (coding === 'deflate') return [head.length >= 2 && isZlibHeader(head[0]!, head[1]!) ? zlib.createInflate() : zlib.createInflateRaw()];
  }
  return [...codings].reverse().map((coding) =>
    coding === 'gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : zlib.createBrotliDecompress(),
  );
}

function zlibFailure(error: unknown, url: string): FeedFetchError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || typeof (error as { errno?: unknown }).errno !== 'number') return undefined;
  if (code === 'Z_BUF_ERROR') return new FeedFetchError('truncated', `the compressed body of ${url} ends too early`, { url, cause: error });
  if (code.startsWith('Z_') || code.startsWith('ERR__') || code.startsWith('ERR_BROTLI')) {
    return new FeedFetchError('decode_error', `cannot decompress the body of ${url}: ${(error as Error).message}`, { url, cause: error });
  }
  return undefined;
}

/** The bytes as received, counted against the limit and the announced length. */
async function* receivedChunks(raw: Readable, options: FeedBodyOptions): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of raw as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > options.maxBytes) {
      throw new FeedFetchError('too_large', `the body of ${options.url} is larger than ${options.maxBytes} bytes`, { url: options.url });
    }
    yield chunk;
  }
  // undici checks this too; kept so that the guarantee does not rest on another library's edge cases.
  if (options.contentLength !== undefined && received < options.contentLength) {
    throw new FeedFetchError('truncated', `the body of ${options.url} has ${received} of its ${options.contentLength} bytes`, { url: options.url });
  }
}

async function* replay(head: Buffer[], rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

async function* decodedChunks(raw: Readable, options: FeedBodyOptions): AsyncGenerator<Uint8Array> {
  const codings = parseCodings(options.contentEncoding, options.url);
  const received = receivedChunks(raw, options);
  if (!codings) {
    yield* received;
    return;
  }
  // Enough of the start to recognize a gzip or zlib header.
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const next = await received.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  if (headLength === 0) return; // "Content-Encoding: gzip" on an empty body: nothing to decode
  const decoders = decodersFor(codings, Buffer.concat(head));
  if (decoders.length === 0) {
    yield* replay(head, received);
    return;
  }
  const input = Readable.from(replay(head, received), { objectMode: false });
  const output = decoders.at(-1)!;
  // Errors reach the loop below through `output`; the callback only keeps pipeline from throwing.
  pipeline([input, ...decoders], () => {});
  let decoded = 0;
  try {
    // zlib streams stop inflating when their reader is behind, so a bomb is stopped after at most
    // one buffer beyond the limit, not after inflating a whole input chunk.
    for await (const chunk of output as AsyncIterable<Buffer>) {
      decoded += chunk.length;
      if (decoded > options.maxBytes) {
        throw new FeedFetchError('too_large', `the body of ${options.url} decompresses to more than ${options.maxBytes} bytes`, { url: options.url });
      }
      yield chunk;
    }
  } catch (error) {
    throw zlibFailure(error, options.url) ?? error;
  } finally {
    for (const stream of [input, ...decoders]) stream.destroy();
  }
}

class StreamedBody implements FeedBody {
  readonly #raw: Readable;
  readonly #options: FeedBodyOptions;
  readonly #timer: NodeJS.Timeout;
  #generator: AsyncGenerator<Uint8Array> | undefined;
  #cancelled = false;

  constructor(raw: Readable, options: FeedBodyOptions) {
    this.#raw = raw;
    this.#options = options;
    // Destroying a body nobody listens to would emit an unhandled 'error'; readers still see the error.
    raw.on('error', () => {});
    this.#timer = setTimeout(() => {
      raw.destroy(new FeedFetchError('body_timeout', `the body of ${options.url} took longer than ${options.totalTimeoutMs} ms`, { url: options.url }));
      // The consumer may never come back to see the error: give the permits back now.
      options.release();
    }, options.totalTimeoutMs);
    this.#timer.unref();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#cancelled) return Promise.resolve({ done: true, value: undefined });
    this.#generator ??= this.#run();
    return this.#generator.next();
  }

  async return(): Promise<IteratorResult<Uint8Array, undefined>> {
    await this.cancel();
    return { done: true, value: undefined };
  }

  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    // Release here too: a generator never started has no `finally` to run.
    this.#finish();
    await this.#generator?.return(undefined);
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#raw.destroy();
    this.#options.release();
  }

  async *#run(): AsyncGenerator<Uint8Array, undefined> {
    try {
      yield* decodedChunks(this.#raw, this.#options);
    } catch (error) {
      throw toFeedFetchError(error, 'body', this.#options.url, this.#options.signal);
    } finally {
      this.#finish();
    }
    return undefined;
  }
}

export function createFeedBody(raw: Readable, options: FeedBodyOptions): FeedBody {
  return new StreamedBody(raw, options);
}

/** The whole body in memory (it is already size-limited). Gives everything back on failure too. */
export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
