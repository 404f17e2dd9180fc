/**
 * libpq's `target_session_attrs`: which kind of server a session must reach. `any` takes the first
 * host that answers; `read-write` one whose `transaction_read_only` is off; `primary` one not in
 * recovery; `read-only` and `standby` the opposites; `prefer-standby` a standby when one of the
 * hosts is, else any.
 */
export const targetSessionAttrs = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof targetSessionAttrs)[number];

/** One host of a connection string. */
export interface ConnectionHost {
  host: string;
  port: number;
}

/** A PostgreSQL connection string, split the way libpq reads its multi-host form. */
export interface ParsedConnectionString {
  /** The hosts in the order given (one entry for a single-host string). */
  hosts: ConnectionHost[];
  /** From `?target_session_attrs=`; `any` when absent (libpq's default). */
  targetSessionAttrs: TargetSessionAttrs;
  /**
   * One single-host connection string per entry of `hosts`, with everything else of the original
   * (credentials, database, parameters) and without `target_session_attrs`: what `pg` parses.
   */
  perHost: string[];
}

const urlShape = /^(postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;
const hostShape = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d{1,5}))?$/;

/** A connection string that {@link parseConnectionString} cannot read; the message never contains it. */
export class ConnectionStringError extends Error {
  constructor(reason: string) {
    super(`invalid PostgreSQL connection string: ${reason}`);
    this.name = 'ConnectionStringError';
  }
}

/**
 * Reads a `postgres://` / `postgresql://` URL, including libpq's multi-host form
 * `postgres://user:pw@h1:5432,h2:5433/db?target_session_attrs=read-write` (IPv6 hosts in
 * brackets, a missing port means 5432). Pure.
 * @throws ConnectionStringError on anything else (the message names the problem, never a secret).
 */
export function parseConnectionString(text: string): ParsedConnectionString {
  const match = urlShape.exec(text.trim());
  if (!match) throw new ConnectionStringError('expected postgres://[user[:password]@]host[:port][,host[:port]…][/database][?parameters]');
  const [, scheme = 'postgres', userInfo, hostList = '', pathPart = '', queryPart = ''] = match;
  const params = new URLSearchParams(queryPart.slice(1));
  const attrs = params.get('target_session_attrs') ?? 'any';
  if (!(targetSessionAttrs as readonly string[]).includes(attrs)) {
    throw new ConnectionStringError(`target_session_attrs must be one of ${targetSessionAttrs.join(', ')}`);
  }
  params.delete('target_session_attrs');
  const query = params.size > 0 ? `?${params.toString()}` : '';
  const credentials = userInfo === undefined ? '' : `${userInfo}@`;
  const hosts: ConnectionHost[] = [];
  const perHost: string[] = [];
  for (const entry of hostList.split(',')) {
    const hostMatch = hostShape.exec(entry);
    if (!hostMatch || (hostList.includes(',') && hostMatch[1] === ''))
      throw new ConnectionStringError('a host of the host list is malformed');
    const host = hostMatch[1] ?? '';
    const port = hostMatch[2] === undefined ? 5432 : Number(hostMatch[2]);
    if (port < 1 || port > 65535) throw new ConnectionStringError('a port is out of range');
    const single = `${scheme}://${credentials}${host}${hostMatch[2] === undefined ? '' : `:${port}`}${pathPart}${query}`;
    // What URL parsing accepts is what pg accepts for one host.
    try {
      new URL(single);
    } catch {
      throw new ConnectionStringError('not a valid URL');
    }
    hosts.push({ host: host.startsWith('[') ? host.slice(1, -1) : host, port });
    perHost.push(single);
  }
  return { hosts, targetSessionAttrs: attrs as TargetSessionAttrs, perHost };
}

/** True when `text` is a connection string {@link parseConnectionString} reads. */
export function isConnectionString(text: string): boolean {
  try {
    parseConnectionString(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `text` with its password (and any password-like parameter) replaced by `***`, for logs; the
 * whole string becomes `***` when it cannot be read. Multi-host strings keep their host list.
 */
export function maskConnectionString(text: string): string {
  const match = urlShape.exec(text.trim());
  if (!match) return '***';
  const [, scheme = 'postgres', userInfo, hostList = '', pathPart = '', queryPart = ''] = match;
  const user = userInfo === undefined ? '' : `${userInfo.includes(':') ? `${userInfo.slice(0, userInfo.indexOf(':'))}:***` : userInfo}@`;
  const params = new URLSearchParams(queryPart.slice(1));
  for (const key of [...params.keys()]) if (/password|secret|token|key/i.test(key)) params.set(key, '***');
  const query = params.size > 0 ? `?${params.toString()}` : '';
  return `${scheme}://${user}${hostList}${pathPart}${query}`;
}
