import { RawHttpConnection } from './raw-http.js';

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Requests per second over the run. */
  rps: number;
  requests: number;
  /** Answers other than `expectStatus`. */
  errors: number;
  p50: number;
  p99: number;
}

/**
 * Closed-loop HTTP load: `connections` keep-alive connections each send a request, wait for
 * its answer, and send the next, for `seconds`. `next(connection, n)` builds each request.
 * Latency percentiles are in milliseconds.
 */
export async function runLoad(
  base: string,
  options: { connections: number; seconds: number; expectStatus?: number; next: (connection: number, n: number) => LoadRequest },
): Promise<LoadResult> {
  const url = new URL(base);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async (_, connection) => {
      const socket = new RawHttpConnection(url);
      try {
        for (let n = 0; performance.now() < deadline; n++) {
          const request = options.next(connection, n);
          const sent = performance.now();
          const response = await socket.request(request.method, request.path, request.headers, request.body);
          if (response.status !== (options.expectStatus ?? 200)) {
            errors++;
            firstError ??= `${response.status} ${response.body.slice(0, 300)}`;
          }
          latencies.push(performance.now() - sent);
        }
      } finally {
        socket.close();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (firstError) console.error(`first unexpected answer: ${firstError}`);
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    requests: latencies.length,
    errors,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
