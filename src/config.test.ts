import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig, redactUrl } from './config.js';

describe('configuration', () => {
  it('has working defaults for an embedded single-machine install', () => {
    assert.deepEqual(loadConfig({}), {
      port: 8080,
      host: '0.0.0.0',
      baseUrl: 'http://localhost:8080',
      dataDir: './data',
      databaseUrl: undefined,
      databasePoolSize: 10,
      logLevel: 'info',
      bodyLimit: 1_048_576,
      trustProxy: false,
      registration: 'closed',
      feeds: {
        scheduler: true,
        concurrency: 16,
        minIntervalSeconds: 900,
        maxIntervalSeconds: 86_400,
        maxBackoffSeconds: 86_400,
        allowedAddresses: [],
        manualRefreshSeconds: 60,
      },
    });
  });

  it('reads the feed settings and refuses inconsistent ones', () => {
    const feeds = loadConfig({ FEED_SCHEDULER: 'off', FEED_CONCURRENCY: '4', FEED_MIN_INTERVAL_MINUTES: '5', FEED_MAX_INTERVAL_MINUTES: '60', FEED_ALLOWED_ADDRESSES: '10.1.2.3, 192.168.0.0/16' }).feeds;
    assert.deepEqual([feeds.scheduler, feeds.concurrency, feeds.minIntervalSeconds, feeds.maxIntervalSeconds, feeds.allowedAddresses], [false, 4, 300, 3600, ['10.1.2.3', '192.168.0.0/16']]);
    assert.throws(
      () => loadConfig({ FEED_SCHEDULER: 'sometimes', FEED_MIN_INTERVAL_MINUTES: '90', FEED_MAX_INTERVAL_MINUTES: '60', FEED_ALLOWED_ADDRESSES: '10.0.0.1, intranet.local, 10.0.0.0/33' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'FEED_SCHEDULER must be on or off (got "sometimes")',
          'FEED_MAX_INTERVAL_MINUTES (60) must not be below FEED_MIN_INTERVAL_MINUTES (90)',
          'FEED_ALLOWED_ADDRESSES must be IP addresses or CIDR ranges separated by commas (got "intranet.local, 10.0.0.0/33")',
        ]);
        return true;
      },
    );
  });

  it('reads every variable, normalising the base URL', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      BASE_URL: 'https://sync.example.org/balados/',
      DATA_DIR: '/var/lib/balados',
      DATABASE_URL: 'postgres://balados:pw@db:5432/balados',
      DATABASE_POOL_SIZE: '20',
      LOG_LEVEL: 'DEBUG',
      BODY_LIMIT: '2048',
      TRUST_PROXY: 'true',
    });
    assert.equal(config.baseUrl, 'https://sync.example.org/balados');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.port, 9000);
    assert.equal(config.trustProxy, 'loopback,linklocal,uniquelocal');
    assert.equal(loadConfig({ TRUST_PROXY: '10.0.0.5, 192.168.1.0/24' }).trustProxy, '10.0.0.5,192.168.1.0/24');
    assert.equal(config.databasePoolSize, 20);
  });

  it('reports every problem at once, without leaking a database password', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', BASE_URL: 'ftp://x', DATABASE_URL: 'mysql://root:hunter2@db/x', TRUST_PROXY: 'maybe' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 5);
        assert.match(error.message, /PORT must be an integer from 0 to 65535 \(got "eighty"\)/);
        assert.match(error.message, /LOG_LEVEL must be one of/);
        assert.match(error.message, /BASE_URL must start with http:\/\/ or https:\/\//);
        assert.match(error.message, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
        assert.ok(!error.message.includes('hunter2'));
        return true;
      },
    );
    assert.equal(redactUrl('postgres://u:secret@h/db'), 'postgres://u:***@h/db');
  });

  it('is documented in the README, variable by variable', () => {
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const variable of CONFIG_VARIABLES) assert.match(readme, new RegExp(`\\| \`${variable.name}\` \\|`), variable.name);
  });
});
