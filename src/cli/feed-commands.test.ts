import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rss } from '../../test/support/feeds.js';
import { startFixtureServer, type FixtureServer } from '../feeds/fetcher/testing/fixture-server.js';
import { cli } from '../../test/support/cli.js';


describe('CLI: feeds refresh and status', () => {
  let server: FixtureServer;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    server = await startFixtureServer();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-feeds-cli-'));
    env = { DATA_DIR: dataDir, FEED_ALLOWED_ADDRESSES: '127.0.0.1' };
    server.route('/ok.xml', (_request, response) => void response.writeHead(200).end(rss('<item><guid>1</guid><title>One</title></item>', '<title>CLI show</title>')));
    server.route('/down.xml', (_request, response) => void response.writeHead(502).end());
  });
  after(async () => {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refreshes a feed now, shows its schedule, and shows why a failing one fails', async () => {
    const ok = await cli(['feeds', 'refresh', server.url('/ok.xml')], env);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^fetched: 2 changes recorded\n/);
    const down = await cli(['feeds', 'refresh', server.url('/down.xml')], env);
    assert.equal(down.code, 1);
    assert.equal(down.err, `Error (http_error): ${server.url('/down.xml')} answered HTTP 502`);
    const failing = await cli(['feeds', 'status', '--failing'], env);
    assert.equal(failing.code, 0);
    assert.match(failing.out, new RegExp(`^${server.url('/down.xml').replaceAll('.', '\\.')}\n.*\n.*\n  failing: 1 in a row, last .*: http_error: .* answered HTTP 502$`));
    const one = await cli(['feeds', 'status', server.url('/ok.xml')], env);
    assert.match(one.out, /\(fetched\)/);
    assert.equal((await cli(['feeds', 'refresh', 'ftp://nope'], env)).code, 2);
  });
});
