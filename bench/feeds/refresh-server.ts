/**
 * The fixture feed server of `npm run bench:refresh`, in its own process so that serving does
 * not share the event loop being measured. `/feed/<n>.xml`: even n carry an ETag and answer a
 * matching If-None-Match with 304; odd n carry no validator and answer 200 with the same body
 * every time. Bodies are real feeds from test/fixtures/feeds, rotated. Prints its port.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const FEEDS = ['example.xml', 'simple.xml', 'SOM.xml', 'podverse-test-feed.xml', 'legacy.xml'].map((name) =>
  readFileSync(new URL(`../../test/fixtures/feeds/${name}`, import.meta.url)),
);

const server = http.createServer((request, response) => {
  const match = /^\/feed\/(\d+)\.xml$/.exec(request.url ?? '');
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  const n = Number(match[1]);
  const body = FEEDS[n % FEEDS.length]!;
  if (n % 2 === 0) {
    const etag = `"v1-${n}"`;
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': body.length, etag }).end(body);
    return;
  }
  response.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
