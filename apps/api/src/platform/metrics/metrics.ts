import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric, type MetricValueWithName } from 'prom-client';

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
 * `db_pool_max_connections`; and prom-client's process metrics. Recording a response is one Map
 * lookup and a few increments (see HttpResponseSeries).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const http = new HttpResponseSeries();
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP responses sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const series of http.all()) this.inc(series.labels, series.count);
    },
  });
  registry.registerMetric(
    http.histogram(
      'http_request_duration_seconds',
      'Time from the request arriving to the response being sent, by method, route template and status.',
    ) as unknown as Metric,
  );
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

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeResponse: (method, route, status, durationMs) => http.record(method, route, status, durationMs / 1000),
  };
}

type HttpLabels = { method: string; route: string; status: string };

/** One (method, route, status) series: responses, their total time and per-bucket counts (not cumulative). */
interface Series {
  labels: HttpLabels;
  count: number;
  sum: number;
  buckets: number[];
}

/**
 * The HTTP responses by (method, route template, status), recorded on the hot path as two
 * increments and a bucket search on a cached series, and exposed at scrape time as
 * `http_requests_total` (a prom-client Counter filled in its `collect`) and as the
 * `http_request_duration_seconds` histogram (see {@link HttpResponseSeries.histogram}).
 * prom-client's own labelled children re-validate and re-hash their labels and look their bucket
 * up by a number-keyed property on every observation, which measured about 40 000 instructions
 * per request (docs/adr/0029-per-request-platform-cost.md).
 */
class HttpResponseSeries {
  private readonly series = new Map<string, Series>();

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: latencyBuckets.map(() => 0) };
      this.series.set(key, series);
    }
    series.count += 1;
    series.sum += seconds;
    for (let i = 0; i < latencyBuckets.length; i++) {
      if (seconds <= latencyBuckets[i]!) {
        series.buckets[i]! += 1;
        break;
      }
    }
  }

  all(): IterableIterator<Series> {
    return this.series.values();
  }

  /**
   * A histogram as prom-client's Registry reads one (`name`, `help`, `type`, `aggregator`,
   * `get()`, `reset()`): per series its cumulative `_bucket` samples (`le` first, then the series'
   * labels, `+Inf` last), `_sum` and `_count`, the text prom-client's own Histogram renders.
   */
  histogram(name: string, help: string) {
    const all = () => this.series.values();
    const clear = () => this.series.clear();
    return {
      name,
      help,
      type: 'histogram' as const,
      aggregator: 'sum' as const,
      get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricValueWithName<string>[]; aggregator: 'sum' }> {
        const values: MetricValueWithName<string>[] = [];
        for (const { labels, count, sum, buckets } of all()) {
          let cumulative = 0;
          for (let i = 0; i < latencyBuckets.length; i++) {
            cumulative += buckets[i]!;
            values.push({ labels: { le: latencyBuckets[i]!, ...labels }, value: cumulative, metricName: `${name}_bucket` });
          }
          values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` });
          values.push({ labels, value: sum, metricName: `${name}_sum` });
          values.push({ labels, value: count, metricName: `${name}_count` });
        }
        return Promise.resolve({ name, help, type: 'histogram' as const, values, aggregator: 'sum' as const });
      },
      reset: clear,
    };
  }
}
