import { createHash } from 'node:crypto';
import type { AmbientDb } from '../../db/db-handle.js';
import { AppError } from '../../errors/app-error.js';
import type { RuntimeResult } from '../operation.js';

/** Headers of a stored response that a replay repeats. */
const replayedHeaders = ['Location', 'ETag', 'Content-Type'];

/** Who asks, for what: the scope of an Idempotency-Key (docs/conventions.md: app + user + route). */
export interface IdempotencyScope {
  appId: string | undefined;
  user: string | undefined;
  route: string;
  key: string;
}

/** A result, marked when it is a replay of a stored one. */
export type IdempotentResult = RuntimeResult & { replayed: boolean };

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** JSON with object keys sorted, so the same body in another key order hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Idempotent POSTs (docs/conventions.md). For a request carrying `Idempotency-Key`, in ONE transaction
 * (ambient: the module's writes join it, see db/db-handle.ts):
 * 1. a transaction-scoped advisory lock on the scope — not available → 409 (the first request is
 *    still running);
 * 2. a stored response for the scope within the retention → same body: replay it
 *    (`Idempotent-Replayed: true`), different body → 422;
 * 3. otherwise run the operation and, if it succeeded (2xx), store its response (its
 *    `replayBody` when it has one: responses showing a secret once store a copy without it).
 * The response is stored only if the operation's own writes commit, and vice versa.
 */
export class Idempotency {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: AmbientDb,
    private readonly retentionMs = 24 * 3600 * 1000,
  ) {}

  /** Runs `execute` at most once per scope within the retention period. */
  async run(scope: IdempotencyScope, body: unknown, execute: () => Promise<RuntimeResult>): Promise<IdempotentResult> {
    const scopeHash = sha256(JSON.stringify([scope.appId ?? '', scope.user ?? '', scope.route, scope.key]));
    const requestHash = sha256(canonicalJson(body ?? null));
    const lockKey = scopeHash.readBigInt64BE(0).toString();
    return this.db.runInAmbientTransaction(async (tx) => {
      const { rows: locked } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [lockKey]);
      if (!locked[0]?.locked) {
        throw new AppError('conflict_error', 'a request with this Idempotency-Key is still in progress', {
          code: 'idempotency_in_progress',
        });
      }
      const { rows } = await tx.query<{ request_hash: Buffer; status: number; headers: Record<string, string>; body: unknown }>(
        `SELECT request_hash, status, headers, body FROM platform.idempotency_key
         WHERE scope_hash = $1 AND created_at > clock_timestamp() - make_interval(secs => $2::double precision)`,
        [scopeHash, this.retentionMs / 1000],
      );
      const stored = rows[0];
      if (stored) {
        if (!Buffer.from(stored.request_hash).equals(requestHash)) {
          throw new AppError('unprocessable_error', 'this Idempotency-Key was used with a different request body', {
            code: 'idempotency_key_reused',
            param: 'Idempotency-Key',
          });
        }
        return { status: stored.status, body: stored.body, headers: stored.headers, replayed: true };
      }
      const result = await execute();
      if (result.status >= 200 && result.status < 300) {
        const headers: Record<string, string> = {};
        for (const name of replayedHeaders) {
          const value = result.headers?.[name];
          if (value !== undefined) headers[name] = value;
        }
        // An expired record of the same scope may still be there until cleanup: replace it.
        await tx.query(
          `INSERT INTO platform.idempotency_key (scope_hash, request_hash, status, headers, body)
           VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
           ON CONFLICT (scope_hash) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = EXCLUDED.status,
             headers = EXCLUDED.headers, body = EXCLUDED.body, created_at = clock_timestamp()`,
          // Secrets shown once (new API keys) are never stored: the handler supplies what to replay.
          [scopeHash, requestHash, result.status, JSON.stringify(headers), JSON.stringify(result.replayBody ?? result.body ?? null)],
        );
      }
      return { ...result, replayed: false };
    });
  }

  /** Deletes records past the retention; returns how many. */
  async deleteExpired(): Promise<number> {
    const { rowCount } = await this.db.query(
      'DELETE FROM platform.idempotency_key WHERE created_at < clock_timestamp() - make_interval(secs => $1::double precision)',
      [this.retentionMs / 1000],
    );
    return rowCount;
  }

  /** Starts hourly cleanup (the timer does not keep the process alive). */
  startCleanup(onError: (error: unknown) => void, intervalMs = 3600 * 1000): void {
    this.timer = setInterval(() => {
      this.deleteExpired().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the cleanup timer. */
  stopCleanup(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
