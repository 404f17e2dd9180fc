import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { appHeaders } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/** Resident set size of a process now and at its peak (`VmRSS`, `VmHWM` of /proc), in MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** A raw client that writes `payload` once and never reads: what a flooding client does. */
interface FloodSocket {
  socket: net.Socket;
  closed: Promise<void>;
}

function flood(port: number, payload: Buffer): Promise<FloodSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      // Paused and without a data listener: the client's receive buffer fills and stays full.
      socket.pause();
      socket.write(payload);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Runs genesis on the server process; returns the Principal app's credentials as headers. */
async function genesis(server: ServerProcess, identity: TestIdentity): Promise<Record<string, string>> {
  const token = await identity.mintToken();
  const res = await fetch(`${server.baseUrl}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const app = (JSON.parse(text) as { principal: { app: { external_id: string; api_keys: { key: string }[] } } }).principal.app;
  return { authorization: `Bearer ${token}`, ...appHeaders(app.external_id, app.api_keys[0]!.key) };
}

describe('backpressure against hostile clients (server process)', { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' }, () => {
  let identity: TestIdentity;
  let database: TestDatabase;
  let server: ServerProcess;
  let headers: Record<string, string>;

  before(async () => {
    identity = await startTestIdentity();
    database = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: database.url!,
      AUTH_JWKS_URL: identity.jwksUrl,
      AUTH_ISSUER: identity.issuer,
      AUTH_AUDIENCE: identity.audience,
      MIGRATE_ON_START: 'false',
      // The machine's cores are shared: a starved CPU would make event-loop shedding a second,
      // independent reason for a 503 here. This test is about the bounds per connection.
      MAX_EVENT_LOOP_DELAY: '0',
    });
    headers = await genesis(server, identity);
  });

  after(async () => {
    await server?.kill();
    await database?.drop();
    await identity?.close();
  });

  it('keeps memory bounded and serves an authenticated request at once under a pipelining flood', async () => {
    const warm = await fetch(`${server.baseUrl}/api/v1/movies`, { headers });
    assert.equal(warm.status, 200);
    await warm.text();
    const baseline = memoryOf(server.child.pid!);

    const payload = Buffer.from('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(40_000));
    const sockets = await Promise.all(Array.from({ length: 5 }, () => flood(server.port, payload)));
    try {
      // Give the flood a second to land, as the measured attack did, then probe.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const started = performance.now();
      const probe = await fetch(`${server.baseUrl}/api/v1/movies`, { headers, signal: AbortSignal.timeout(30_000) });
      const probeMs = performance.now() - started;
      const probeText = await probe.text();
      const memory = memoryOf(server.child.pid!);
      console.log(`flood: baseline RSS ${baseline.rssMiB.toFixed(0)} MiB, now ${memory.rssMiB.toFixed(0)} MiB, peak ${memory.peakMiB.toFixed(0)} MiB; probe ${probe.status} in ${probeMs.toFixed(0)} ms`);
      assert.equal(probe.status, 200, probeText);
      assert.ok(probeMs < 2_000, `the probe took ${probeMs.toFixed(0)} ms`);
      assert.ok(memory.peakMiB - baseline.rssMiB < 150, `RSS grew from ${baseline.rssMiB.toFixed(0)} to a peak of ${memory.peakMiB.toFixed(0)} MiB`);
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
  });
});
