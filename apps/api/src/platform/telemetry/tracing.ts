import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The logger calls tracing makes (a pino logger fits). */
export interface TracingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Running tracing; see {@link startTracing}. */
export interface Tracing {
  /**
   * Names each request's server span after its route template (`GET /api/v1/movies/{extlId}`,
   * attribute `http.route`) instead of the bare method. Call before the app is ready.
   */
  nameSpansByRoute(app: FastifyInstance): void;
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

/** Paths never traced: probes and scrapes would drown the real traffic. */
const untracedPaths = new Set(['/healthz', '/readyz', '/metrics']);

function exportersFrom(env: Record<string, string | undefined>, logger: TracingLogger): SpanExporter[] {
  const names = (env.OTEL_TRACES_EXPORTER ?? 'otlp')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const exporters: SpanExporter[] = [];
  for (const name of names) {
    if (name === 'otlp') {
      const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
      if (protocol !== undefined && protocol !== 'http/json') {
        logger.warn({ protocol }, 'only OTLP http/json is bundled; exporting with http/json');
      }
      // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT, _COMPRESSION itself.
      exporters.push(new OTLPTraceExporter());
    } else if (name === 'console') {
      exporters.push(new ConsoleSpanExporter());
    } else if (name !== 'none') {
      logger.warn({ exporter: name }, 'unknown OTEL_TRACES_EXPORTER entry ignored (supported: otlp, console, none)');
    }
  }
  return exporters;
}

function routeTemplateOf(request: FastifyRequest): string | undefined {
  const { config, url } = request.routeOptions;
  const template = (config as { routeTemplate?: unknown } | undefined)?.routeTemplate;
  if (typeof template === 'string') return template;
  return url?.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Starts OpenTelemetry tracing as configured by the standard `OTEL_*` variables: exporters from
 * `OTEL_TRACES_EXPORTER` (`otlp` — the default — and/or `console`), the OTLP endpoint, headers
 * and timeout from `OTEL_EXPORTER_OTLP_*`, the sampler from `OTEL_TRACES_SAMPLER(_ARG)`, batching
 * from `OTEL_BSP_*`, the resource from `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`
 * (service name default `chompardo-api`), W3C trace-context propagation. Traces incoming HTTP
 * requests (except probes and /metrics) and every `pg` query.
 *
 * Must run before anything loads `http` or `pg` (main.ts imports the rest of the process after
 * it): the instrumentations patch those modules when they are first required.
 */
export function startTracing(env: Record<string, string | undefined>, logger: TracingLogger): Tracing {
  const resource = resourceFromAttributes({ 'service.name': 'chompardo-api' }).merge(detectResources({ detectors: [envDetector] }));
  const exporters = exportersFrom(env, logger);
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor(exporter)),
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untracedPaths.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      new PgInstrumentation(),
    ],
  });
  // The app is ESM: `import pg from 'pg'` loads CommonJS without passing the hook the
  // instrumentation installed on `require`. Requiring both here, first, applies the patches to
  // the module objects every later import shares.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('pg');
  logger.info({ exporters: exporters.map((exporter) => exporter.constructor.name) }, 'OpenTelemetry tracing started');

  return {
    nameSpansByRoute(app) {
      app.addHook('onRequest', async (request) => {
        const metadata = getRPCMetadata(context.active());
        if (metadata?.type !== RPCType.HTTP) return;
        const route = routeTemplateOf(request);
        if (route !== undefined) metadata.route = route;
      });
    },
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}
