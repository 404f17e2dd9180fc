import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tracingRequested } from '../../src/platform/telemetry/tracing-switch.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { exitWithin, startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/** A span as OTLP/JSON carries it (the fields the test reads). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A minimal OTLP/HTTP collector on loopback that keeps every exported span. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; services: Set<string>; server: Server }> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const resourceSpans of body.resourceSpans) {
          for (const attribute of resourceSpans.resource.attributes) {
            if (attribute.key === 'service.name' && attribute.value.stringValue) services.add(attribute.value.stringValue);
          }
          for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, services, server };
}

function attribute(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
}

describe('OpenTelemetry tracing', () => {
  it('is switched on only by the standard OTEL_* variables', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_SERVICE_NAME: 'x' }), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), false);
  });

  describe('in the server process', { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' }, () => {
    let identity: TestIdentity;
    let database: TestDatabase;
    let collector: Awaited<ReturnType<typeof startCollector>>;
    let server: ServerProcess | undefined;

    before(async () => {
      identity = await startTestIdentity();
      database = await createTestDatabase();
      collector = await startCollector();
    });

    after(async () => {
      await server?.kill();
      await database?.drop();
      await identity?.close();
      collector?.server.close();
    });

    // The built server: its bundle must leave `pg` to be patched as it is first required.
    it('exports a span per request, named by route template, with its PostgreSQL queries as children', async () => {
      server = await startServerProcess(
        {
          DATABASE_URL: database.url!,
          AUTH_JWKS_URL: identity.jwksUrl,
          AUTH_ISSUER: identity.issuer,
          AUTH_AUDIENCE: identity.audience,
          MIGRATE_ON_START: 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_SERVICE_NAME: 'chompardo-api-test',
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
        { built: true },
      );
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const ping = await fetch(`${server.baseUrl}/api/v1/ping`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.deepEqual(await ping.json(), { db_up: true });
      const token = await identity.mintToken();
      assert.equal((await fetch(`${server.baseUrl}/api/v1/recipes/abc`, { headers: { authorization: `Bearer ${token}` } })).status, 404);
      assert.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200);

      await waitUntil(
        () => collector.spans.some((span) => span.name === 'GET /api/v1/recipes/{extlId}'),
        'the spans to be exported',
        15_000,
        50,
      );
      const pingSpan = collector.spans.find((span) => span.name === 'GET /api/v1/ping');
      assert.ok(pingSpan, `spans: ${collector.spans.map((span) => span.name).join(', ')}`);
      assert.equal(pingSpan.traceId, traceId, 'continues the caller’s W3C trace');
      assert.equal(attribute(pingSpan, 'http.route'), '/api/v1/ping');
      const query = collector.spans.find(
        (span) => span.parentSpanId === pingSpan.spanId && attribute(span, 'db.system.name') === 'postgresql',
      );
      assert.ok(query, 'the ping query is a child span');
      const recipe = collector.spans.find((span) => span.name === 'GET /api/v1/recipes/{extlId}');
      assert.equal(attribute(recipe!, 'http.response.status_code'), 404);
      assert.ok(
        !collector.spans.some((span) => span.name.includes('/healthz') || attribute(span, 'url.path') === '/healthz'),
        'probes are not traced',
      );
      assert.deepEqual([...collector.services], ['chompardo-api-test']);

      server.child.kill('SIGTERM');
      assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null });
    });
  });
});
