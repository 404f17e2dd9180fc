import type { Queryable } from '../db/db.js';
import type { RateLimitHit, RateLimitStore } from './rate-limit.js';

/** Options of {@link PgRateLimitStore}. */
export interface PgRateLimitStoreOptions {
  /** How often rows of finished windows are deleted, ms (default 60000). */
  cleanupIntervalMs?: number;
  /** Called when cleanup fails (it is retried at the next interval). */
  onCleanupError?: (error: unknown) => void;
}

/**
 * One statement per hit: start a new window or count in the current one, on the database's
 * clock so that instances with drifting clocks still agree on the window.
 */
const hitSql = `
WITH clock AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms)
INSERT INTO platform.rate_limit AS r (key, window_start, count)
SELECT $1, (now_ms / $2::bigint) * $2::bigint, 1 FROM clock
ON CONFLICT (key) DO UPDATE
  SET count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
      window_start = EXCLUDED.window_start
RETURNING count, window_start, (SELECT now_ms FROM clock) AS now_ms`;

/**
 * The shared store (RATE_LIMIT_STORE=postgres): counters in the unlogged table
 * `platform.rate_limit`, one row per key, so every instance on the same database counts against
 * the same budget. Rows of finished windows are deleted every `cleanupIntervalMs` (the timer
 * does not keep the process alive). Each hit is one round trip and updates one row, so one very
 * busy app serialises on its row; the in-memory store has no such cost.
 */
export class PgRateLimitStore implements RateLimitStore {
  private readonly timer: NodeJS.Timeout;
  private maxWindowMs = 0;

  constructor(
    private readonly db: Queryable,
    options: PgRateLimitStoreOptions = {},
  ) {
    const onCleanupError = options.onCleanupError ?? (() => undefined);
    this.timer = setInterval(() => {
      this.deleteFinishedWindows().catch(onCleanupError);
    }, options.cleanupIntervalMs ?? 60_000);
    this.timer.unref();
  }

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    this.maxWindowMs = Math.max(this.maxWindowMs, windowMs);
    const { rows } = await this.db.query<{ count: number; window_start: string; now_ms: string }>(hitSql, [key, windowMs]);
    const row = rows[0];
    if (!row) throw new Error('rate limit upsert returned no row');
    return { count: row.count, resetAt: Number(row.window_start) + windowMs, now: Number(row.now_ms) };
  }

  /** Deletes counters whose window has ended; returns how many. */
  async deleteFinishedWindows(): Promise<number> {
    if (this.maxWindowMs === 0) return 0;
    const { rowCount } = await this.db.query(
      `DELETE FROM platform.rate_limit
       WHERE window_start < floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1::bigint`,
      [this.maxWindowMs],
    );
    return rowCount;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
