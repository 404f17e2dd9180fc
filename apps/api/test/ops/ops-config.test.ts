import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../../src/platform/config/index.js';

function load(env: Record<string, string>, argv: string[] = []) {
  return loadConfig({ argv, env, cwd: mkdtempSync(path.join(tmpdir(), 'chompardo-ops-config-')) });
}

function assertConfigError(run: () => unknown, key: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.match(error.message, message);
    return true;
  });
}

describe('operations settings', () => {
  it('reads the limits, CORS, metrics token and rate-limit store from env and flags', () => {
    const config = load(
      {
        REQUEST_TIMEOUT: '20s',
        HEADERS_TIMEOUT: '5s',
        KEEP_ALIVE_TIMEOUT: '750ms',
        MAX_REQUESTS_PER_SOCKET: '0',
        MAX_IN_FLIGHT_PER_CONNECTION: '4',
        MAX_QUEUED_PER_CONNECTION: '0',
        MAX_IN_FLIGHT: '0',
        SEND_TIMEOUT: '2s',
        MAX_EVENT_LOOP_DELAY: '0',
        SHED_QUEUE_DELAY: '40ms',
        MAX_HEAP_USED_PERCENT: '75',
        MAX_RSS: '1073741824',
        TRUST_PROXY: 'loopback, 10.0.0.0/8',
        CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
        METRICS_TOKEN: 'scrape-me',
      },
      ['--rate-limit-store', 'postgres', '--rate-limit-max', '100'],
    );
    assert.deepEqual(config.http, {
      requestTimeoutMs: 20_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 750,
      maxRequestsPerSocket: 0,
      maxInFlightPerConnection: 4,
      maxQueuedPerConnection: 0,
      maxInFlight: 0,
      sendTimeoutMs: 2_000,
      maxEventLoopDelayMs: 0,
      shedQueueDelayMs: 40,
      maxHeapUsedPercent: 75,
      maxRssBytes: 1_073_741_824,
      trustProxy: ['loopback', '10.0.0.0/8'],
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
    });
    assert.deepEqual(config.rateLimit, { max: 100, windowMs: 60_000, store: 'postgres', storeTimeoutMs: 250, redisUrl: undefined });
    assert.equal(config.metricsToken, 'scrape-me');
    assert.equal(describeConfig(config).metricsToken, '***');
  });

  it('rejects an unknown rate-limit store, naming the key', () => {
    assertConfigError(() => load({ RATE_LIMIT_STORE: 'memcached' }), 'RATE_LIMIT_STORE', /expected one of memory, postgres, redis/);
  });

  it('rejects a CORS origin with a path', () => {
    assertConfigError(() => load({ CORS_ORIGINS: 'https://app.example.com/app' }), 'CORS_ORIGINS', /origins like/);
  });

  it('rejects fewer than two requests in flight per connection, naming the key', () => {
    assertConfigError(() => load({ MAX_IN_FLIGHT_PER_CONNECTION: '1' }), 'MAX_IN_FLIGHT_PER_CONNECTION', /expected an integer 2-10000/);
  });

  it('rejects a heap share above 100 percent, naming the key', () => {
    assertConfigError(() => load({ MAX_HEAP_USED_PERCENT: '150' }), 'MAX_HEAP_USED_PERCENT', /expected an integer 0-100/);
  });

  it('rejects a headers timeout longer than the request timeout', () => {
    assertConfigError(() => load({ HEADERS_TIMEOUT: '40s' }), 'HEADERS_TIMEOUT', /request timeout/);
  });

  it('never echoes the metrics token in an error', () => {
    assert.throws(
      () => load({ METRICS_TOKEN: ' ' }),
      (error: unknown) => error instanceof ConfigError && error.key === 'METRICS_TOKEN' && !error.message.includes('" "'),
    );
  });
});
