import type { Config } from './config.js';
import { Derived, Setting, type SecretKind } from './declaration.js';
import { settings } from './settings.js';
import { maskConnectionString } from '../db/connection-string.js';

/** Query parameters of a URL that carry secrets (`sslpassword`, `token`, …). */
const secretParameter = /password|secret|token|apikey|api_key|privatekey|private_key/i;

/**
 * A copy of the configuration that is safe to log at startup: every value a row of `settings`
 * marks secret is masked — `***` for a plain secret, the URL with `***` for its password and for
 * any password-like query parameter for a URL secret. Unset secrets stay unset. Pure; never throws.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  return describeTree(settings, config as unknown as Record<string, unknown>);
}

function describeTree(tree: object, values: Record<string, unknown>): Record<string, unknown> {
  const described: Record<string, unknown> = { ...values };
  for (const [key, node] of Object.entries(tree) as [string, unknown][]) {
    const value = values[key];
    if (node instanceof Setting || node instanceof Derived) described[key] = mask(value, node.secret);
    else if (isPlainObject(value)) described[key] = describeTree(node as object, value);
  }
  return described;
}

function mask(value: unknown, kind: SecretKind | undefined): unknown {
  if (kind === undefined || value === undefined || value === null || value === '') return value;
  if (kind !== 'url' || typeof value !== 'string') return '***';
  // PostgreSQL URLs may list several hosts (`h1:p1,h2:p2`), which WHATWG URLs cannot parse.
  return /^postgres(ql)?:/i.test(value) ? maskConnectionString(value) : maskUrl(value);
}

function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Unparseable means we cannot tell where the password is, so show nothing of it.
    return '***';
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (secretParameter.test(key)) url.searchParams.set(key, '***');
  }
  return url.href;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
