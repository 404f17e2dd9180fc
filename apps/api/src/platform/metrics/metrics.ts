import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Pool statistics as the database port reports them. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Read at each scrape for the pool gauges. */
  poolStats?: () => PoolStats;
  /** The configured pool size (DB_POOL_MAX), exported so alerts can compare usage with it. */
  poolMax?: number;
  /** Read at each scrape for the event delivery metrics; undefined (or returning it) → not dispatching. */
  eventStats?: () => EventDeliveryStats | undefined;
  /** Process metrics (CPU, memory, event loop lag, GC, handles); default true. */
  processMetrics?: boolean;
}

/** Counters of this instance's event dispatcher, and the dead-letter count of the database. */
export interface EventDeliveryStats {
  delivered: number;
  failed: number;
  deadLettered: number;
  /** Deliveries in the dead-letter state now (every instance's), as the dispatcher last read it. */
  deadNow: number;
}

/** What the HTTP server records per response. */
export interface HttpMetricsObserver {
  /** Records one finished response; `route` is the route template (bounded cardinality). */
  observeResponse(method: string, route: string, status: number, durationMs: number): void;
}

/** The metrics of one app instance. */
export interface Metrics extends HttpMetricsObserver {
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** Content-Type of {@link Metrics.render}'s output. */
  readonly contentType: string;
}

/** Latency buckets, seconds: from a cached read to a request that hit the statement timeout. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Builds the metrics of one app instance on its own registry (no global state: each test app has
 * its own): `http_requests_total` and `http_request_duration_seconds` by method, route template
 * and status; `db_pool_connections{state="total"|"idle"}`, `db_pool_waiting_clients` and
 * `db_pool_max_connections`; and prom-client's process metrics. Recording a response is two Map
 * lookups and two increments: the label children are cached per (method, route, status).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP responses sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to the response being sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  });
  const poolStats = options.poolStats;
  if (poolStats) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database connections held by the pool, by state (total = idle + in use).',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const stats = poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_clients',
      help: 'Requests waiting for a free database connection.',
      registers: [registry],
      collect() {
        this.set(poolStats().waiting);
      },
    });
  }
  if (options.poolMax !== undefined) {
    new Gauge({ name: 'db_pool_max_connections', help: 'Configured pool size (DB_POOL_MAX).', registers: [registry] }).set(options.poolMax);
  }
  const eventStats = options.eventStats;
  if (eventStats) {
    const counter = (name: string, help: string, read: (stats: EventDeliveryStats) => number): void => {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          const stats = eventStats();
          this.reset();
          if (stats) this.inc(read(stats));
        },
      });
    };
    counter('events_delivered_total', 'Event deliveries this instance completed.', (s) => s.delivered);
    counter(
      'events_delivery_failures_total',
      'Event handler attempts that failed on this instance (each is retried or dead-lettered).',
      (s) => s.failed,
    );
    counter('events_dead_lettered_total', 'Event deliveries this instance moved to the dead-letter state.', (s) => s.deadLettered);
    new Gauge({
      name: 'events_dead_letter_deliveries',
      help: 'Event deliveries in the dead-letter state (every instance), waiting for an operator: npm run events -- list-dead.',
      registers: [registry],
      collect() {
        this.set(eventStats()?.deadNow ?? 0);
      },
    });
  }
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<'method' | 'route' | 'status'> }>();
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeResponse(method, route, status, durationMs) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (child === undefined) {
        const labels = { method, route, status: String(status) };
        child = { count: requests.labels(labels), time: duration.labels(labels) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(durationMs / 1000);
    },
  };
}
