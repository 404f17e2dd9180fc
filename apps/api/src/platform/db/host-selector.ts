import pg from 'pg';
import { parseConnectionString, type TargetSessionAttrs } from './connection-string.js';
import { asConnectFailure } from './db-errors.js';

/**
 * A session reached a server of the wrong kind for `target_session_attrs` (a standby when a
 * primary was asked for, or the reverse). A connection failure: 503, retried at startup.
 */
export class WrongServerKindError extends Error {
  constructor(wanted: TargetSessionAttrs) {
    super(`the server is not ${wanted} (target_session_attrs)`);
    this.name = 'WrongServerKindError';
  }
}

/** What one server said about itself right after a session opened. */
interface ServerKind {
  inRecovery: boolean;
  readOnly: boolean;
}

/** One statement, one round trip, on every new session when the kind of server matters. */
const serverKindSql = "SELECT pg_is_in_recovery() AS in_recovery, current_setting('transaction_read_only') = 'on' AS read_only";

/**
 * Where new sessions of one connection string go: libpq's multi-host form and
 * `target_session_attrs` for node-postgres, which knows neither. New sessions go to the
 * *preferred* host (the first one at start); a host that refuses, fails or turns out to be of
 * the wrong kind passes the preference to the next one in the list, so after a failover the
 * preference settles on the new primary within one attempt per host. Sessions already open are
 * not moved: a failed server closes them, and a write that reaches a demoted one fails with
 * 25006, which the pg Db treats as a broken connection and reports through {@link failed}.
 */
export class HostSelector {
  readonly count: number;
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** True when a new session must be checked before use (anything but `any`). */
  readonly checksKind: boolean;
  private readonly perHost: string[];
  private readonly labels: string[];
  private preferred = 0;
  /** `prefer-standby`: primaries met in a row; after one per host, any server will do. */
  private primariesInARow = 0;

  constructor(connectionString: string) {
    const parsed = parseConnectionString(connectionString);
    this.perHost = parsed.perHost;
    this.labels = parsed.hosts.map(({ host, port }) => `${host}:${port}`);
    this.count = parsed.hosts.length;
    this.targetSessionAttrs = parsed.targetSessionAttrs;
    this.checksKind = parsed.targetSessionAttrs !== 'any';
  }

  /** The host new sessions go to now. */
  get preferredIndex(): number {
    return this.preferred;
  }

  /** `host:port` of host `index`, for logs. */
  label(index: number): string {
    return this.labels[index] ?? '?';
  }

  /** The single-host connection string of host `index`. */
  connectionStringOf(index: number): string {
    return this.perHost[index] ?? this.perHost[0] ?? '';
  }

  /** Host `index` refused, failed or is of the wrong kind: prefer the next one (if it was preferred). */
  failed(index: number): void {
    if (this.count > 1 && this.preferred === index) this.preferred = (index + 1) % this.count;
  }

  /**
   * Checks the session `client` opened on host `index` against `target_session_attrs`; throws
   * {@link WrongServerKindError} (tagged as a connect failure) and moves the preference on when
   * it does not fit. Does nothing for `any`.
   */
  async check(client: pg.ClientBase, index: number): Promise<void> {
    if (!this.checksKind) return;
    const { rows } = await client.query<{ in_recovery: boolean; read_only: boolean }>(serverKindSql);
    const row = rows[0];
    if (row && this.fits({ inRecovery: row.in_recovery, readOnly: row.read_only })) return;
    this.failed(index);
    throw asConnectFailure(new WrongServerKindError(this.targetSessionAttrs));
  }

  /**
   * Opens a dedicated client (not pooled) with `config`, trying each host once starting with the
   * preferred one, as libpq does; rejects with the last host's error (tagged as a connect failure).
   */
  async open(config: pg.ClientConfig): Promise<pg.Client> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.count; attempt++) {
      const index = this.preferred;
      const client = new pg.Client({ ...config, connectionString: this.connectionStringOf(index) });
      // Errors after a failed connect must not crash the process.
      const swallow = (): void => undefined;
      client.on('error', swallow);
      try {
        await client.connect();
        await this.check(client, index);
        client.removeListener('error', swallow);
        return client;
      } catch (e) {
        lastError = e;
        this.failed(index);
        await client.end().catch(() => undefined);
      }
    }
    throw asConnectFailure(lastError ?? new Error('no host to connect to'));
  }

  private fits(kind: ServerKind): boolean {
    switch (this.targetSessionAttrs) {
      case 'any':
        return true;
      case 'read-write':
        return !kind.readOnly;
      case 'read-only':
        return kind.readOnly;
      case 'primary':
        return !kind.inRecovery;
      case 'standby':
        return kind.inRecovery;
      case 'prefer-standby':
        if (kind.inRecovery) {
          this.primariesInARow = 0;
          return true;
        }
        this.primariesInARow += 1;
        return this.primariesInARow > this.count;
    }
  }
}

/**
 * A `pg.Client` class for `pg.Pool`'s `Client` option: each instance connects to the selector's
 * preferred host at the time it is made, and a failed connect moves the preference on. The
 * session's kind is checked by the pool's `onConnect` hook (see {@link HostSelector.check}).
 */
export function selectedHostClient(selector: HostSelector): new (config?: pg.ClientConfig) => pg.Client & { readonly hostIndex: number } {
  return class SelectedHostClient extends pg.Client {
    readonly hostIndex: number;

    constructor(config: pg.ClientConfig = {}) {
      const hostIndex = selector.preferredIndex;
      super({ ...config, connectionString: selector.connectionStringOf(hostIndex) });
      this.hostIndex = hostIndex;
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      if (!callback) {
        return super.connect().catch((e: unknown) => {
          selector.failed(this.hostIndex);
          throw e;
        });
      }
      const done = callback as (err: Error | null, c?: pg.Client) => void;
      super.connect((err: Error) => {
        if (err) selector.failed(this.hostIndex);
        done(err ?? null, this);
      });
    }
  };
}

/** The host index a pooled client was opened on (0 for clients not made by {@link selectedHostClient}). */
export function hostIndexOf(client: pg.ClientBase): number {
  const index = (client as { hostIndex?: unknown }).hostIndex;
  return typeof index === 'number' ? index : 0;
}
