import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findPostgresBinaries, freePort, serverIdentity } from './postgres.js';

/**
 * A pg_auto_failover formation on loopback (docs/scaling.md, "Failover"): a monitor and two
 * PostgreSQL nodes, each run by its own `pg_autoctl` keeper, replicating synchronously. Run as
 * system user `postgres` when we are root (initdb refuses root), with every pg_autoctl file under
 * one temporary directory.
 */
export interface Formation {
  nodes: FormationNode[];
  /** libpq's multi-host form over both nodes, `target_session_attrs=read-write`. */
  multiHostUrl(database: string): string;
  /** One node's own URL. */
  nodeUrl(node: FormationNode, database: string): string;
  /** The node that answers `pg_is_in_recovery() = false` now (polls until one does, bounded). */
  primary(deadlineMs?: number): Promise<FormationNode>;
  /** `pg_autoctl perform failover --wait`: the monitor promotes the secondary, the old primary rejoins as secondary. */
  performFailover(): Promise<void>;
  /** SIGKILL of the node's keeper and of its postmaster: the machine is gone as far as the formation knows. */
  killNode(node: FormationNode): void;
  /** Resolves once the monitor reports one primary and one secondary, both healthy (bounded). */
  waitForPrimaryAndSecondary(deadlineMs?: number): Promise<void>;
  /** The monitor's latest state changes, oldest first, one line each (for failure messages). */
  events(count?: number): Promise<string>;
  destroy(): Promise<void>;
}

export interface FormationNode {
  name: string;
  port: number;
  pgdata: string;
}

/** Monitor settings that bring pg_auto_failover's ~30 s failure detection to seconds. */
const monitorSettings = {
  'pgautofailover.health_check_period': 1000,
  'pgautofailover.health_check_timeout': 1000,
  'pgautofailover.health_check_max_retries': 1,
  'pgautofailover.health_check_retry_delay': 500,
  'pgautofailover.node_considered_unhealthy_timeout': 2000,
  'pgautofailover.primary_demote_timeout': 3000,
};

/** Throwaway-data settings for every server (the secondary inherits the primary's through pg_basebackup). */
const serverSettings = { listen_addresses: "'127.0.0.1'", shared_buffers: "'32MB'", fsync: 'off', max_connections: 100 };

const pgAutoctl = '/usr/bin/pg_autoctl';

/** Why the formation cannot run here, or false. */
export function formationUnavailable(): string | false {
  if (!existsSync(pgAutoctl)) return `needs ${pgAutoctl} (apt-get install postgresql-15-auto-failover)`;
  if (!findPostgresBinaries()) return 'needs the PostgreSQL server binaries';
  return false;
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function appendSettings(pgdata: string, settings: Record<string, string | number>): void {
  // postgresql.auto.conf is read last: these win over what pg_autoctl computed.
  appendFileSync(
    path.join(pgdata, 'postgresql.auto.conf'),
    Object.entries(settings)
      .map(([key, value]) => `${key} = ${value}\n`)
      .join(''),
  );
}

/** Polls `check` every 100 ms until it returns a value, for at most `deadlineMs`. */
async function until<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    // Polling a condition: pg_autoctl and PostgreSQL give no event we could wait on from here.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not reached within ${deadlineMs} ms${lastError ? ` (${String(lastError)})` : ''}`);
}

async function queryOnce<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates and starts the formation: the monitor, node 1 (the first primary), node 2 (its
 * secondary, cloned with pg_basebackup). Resolves once the monitor reports primary + secondary.
 * Takes about 45 s on a loaded 2-core machine.
 */
export async function startFormation(): Promise<Formation> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error('no PostgreSQL binaries found');
  const identity = serverIdentity();
  const root = mkdtempSync(path.join(os.tmpdir(), 'chompardo-paf-'));
  if (identity) chownSync(root, identity.uid, identity.gid);
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: root,
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_DATA_HOME: path.join(root, 'share'),
    PG_CONFIG: path.join(bin, 'pg_config'),
    LC_ALL: 'C',
    LANG: 'C',
  };
  const keepers = new Map<string, ChildProcess>();
  const logOf = (name: string): string => path.join(root, `${name}.log`);

  function runToCompletion(name: string, args: string[]): Promise<void> {
    const fd = openSync(logOf(name), 'a');
    return new Promise<void>((resolve, reject) => {
      const child = spawn(pgAutoctl, args, { stdio: ['ignore', fd, fd], env, cwd: root, ...(identity ?? {}) });
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`pg_autoctl ${args[0]} ${args[1] ?? ''} (${name}) exited with ${code}:\n${tail(logOf(name))}`)),
      );
    }).finally(() => closeSync(fd));
  }

  function runKeeper(name: string, args: string[]): void {
    const fd = openSync(logOf(name), 'a');
    // Its own process group: the keeper and its sub-processes are killed together.
    const child = spawn(pgAutoctl, args, { stdio: ['ignore', fd, fd], env, cwd: root, detached: true, ...(identity ?? {}) });
    closeSync(fd);
    child.on('error', () => undefined);
    keepers.set(name, child);
  }

  const monitorPort = await freePort();
  const monitorData = path.join(root, 'monitor');
  const monitorUri = `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`;
  const nodes: FormationNode[] = [];
  for (const name of ['node1', 'node2']) nodes.push({ name, port: await freePort(), pgdata: path.join(root, name) });
  const [first, second] = nodes as [FormationNode, FormationNode];
  const common = ['--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl'];
  const nodeUrl = (node: FormationNode, database: string): string => `postgres://postgres@127.0.0.1:${node.port}/${database}`;

  async function showState(): Promise<{ nodename: string; health: number; current_group_state: string; assigned_group_state: string }[]> {
    return queryOnce(
      `postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`,
      'SELECT nodename, health, reportedstate::text AS current_group_state, goalstate::text AS assigned_group_state FROM pgautofailover.node',
    );
  }

  const formation: Formation = {
    nodes,
    multiHostUrl: (database) =>
      `postgres://postgres@${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}/${database}?target_session_attrs=read-write`,
    nodeUrl,
    async primary(deadlineMs = 30_000) {
      return until('a primary', deadlineMs, async () => {
        for (const node of nodes) {
          const rows = await queryOnce<{ standby: boolean }>(nodeUrl(node, 'postgres'), 'SELECT pg_is_in_recovery() AS standby').catch(
            () => undefined,
          );
          if (rows?.[0]?.standby === false) return node;
        }
        return undefined;
      });
    },
    async performFailover() {
      await runToCompletion('failover', ['perform', 'failover', '--monitor', monitorUri, '--wait', '60']);
    },
    killNode(node) {
      const keeper = keepers.get(node.name);
      if (keeper?.pid) {
        try {
          process.kill(-keeper.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const pidFile = path.join(node.pgdata, 'postmaster.pid');
      const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      if (Number.isInteger(postmaster) && postmaster > 0) {
        try {
          process.kill(postmaster, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    async events(count = 40) {
      const rows = await queryOnce<{ line: string }>(
        `postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`,
        `SELECT concat_ws(' ', to_char(eventtime, 'HH24:MI:SS.MS'), nodename, reportedstate, '->', goalstate, description) AS line
         FROM (SELECT * FROM pgautofailover.event ORDER BY eventid DESC LIMIT ${Number(count)}) latest ORDER BY eventid`,
      );
      return rows.map((row) => row.line).join('\n');
    },
    async waitForPrimaryAndSecondary(deadlineMs = 60_000) {
      await until('primary + secondary', deadlineMs, async () => {
        const state = await showState();
        const settled = (role: string): boolean =>
          state.some((n) => n.health === 1 && n.current_group_state === role && n.assigned_group_state === role);
        return settled('primary') && settled('secondary') ? true : undefined;
      });
    },
    async destroy() {
      const alive = [...keepers.values()].filter((child) => child.exitCode === null && child.signalCode === null);
      for (const child of alive) {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGTERM');
        } catch {
          // gone meanwhile
        }
      }
      await Promise.all(
        alive.map(
          (child) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                try {
                  if (child.pid) process.kill(-child.pid, 'SIGKILL');
                } catch {
                  // gone
                }
                resolve();
              }, 15_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
      // Any postmaster its keeper did not stop (a killed keeper leaves an orphan).
      for (const pgdata of [monitorData, ...nodes.map((node) => node.pgdata)]) {
        const pidFile = path.join(pgdata, 'postmaster.pid');
        if (!existsSync(pidFile)) continue;
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        try {
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await runToCompletion('monitor', ['create', 'monitor', '--pgdata', monitorData, '--pgport', String(monitorPort), ...common]);
    appendSettings(monitorData, { ...serverSettings, ...monitorSettings });
    runKeeper('monitor', ['run', '--pgdata', monitorData]);
    await until('the monitor', 30_000, async () =>
      (await queryOnce(`postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`, 'SELECT 1')).length ? true : undefined,
    );

    const nodeArgs = (node: FormationNode): string[] => [
      'create',
      'postgres',
      '--pgdata',
      node.pgdata,
      '--pgport',
      String(node.port),
      '--monitor',
      monitorUri,
      '--name',
      node.name,
      ...common,
    ];
    await runToCompletion(first.name, nodeArgs(first));
    appendSettings(first.pgdata, serverSettings);
    runKeeper(first.name, ['run', '--pgdata', first.pgdata]);
    await until('the first node as primary', 30_000, async () => {
      const state = await showState();
      return state.some((n) => n.nodename === first.name && n.current_group_state === 'single') ? true : undefined;
    });

    runKeeper(second.name, [...nodeArgs(second), '--run']);
    // pg_basebackup waits for a spread checkpoint on the primary unless one is forced.
    await until('the secondary', 90_000, async () => {
      await queryOnce(nodeUrl(first, 'postgres'), 'CHECKPOINT').catch(() => undefined);
      const state = await showState();
      const settled = (role: string): boolean => state.some((n) => n.current_group_state === role && n.assigned_group_state === role);
      return settled('primary') && settled('secondary') ? true : undefined;
    });
  } catch (e) {
    await formation.destroy();
    throw e;
  }
  return formation;
}
