import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const safeRequestId = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Returns a request id generator: a safe incoming `Request-Id` or `X-Request-Id`
 * (`^[A-Za-z0-9._-]{1,128}$`) is reused; otherwise a new id is made from a random per-process
 * prefix and a counter (unique across instances, no syscall per request).
 */
export function createRequestIdGenerator(): (req: IncomingMessage) => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return (req) => {
    const incoming = req.headers['request-id'] ?? req.headers['x-request-id'];
    if (typeof incoming === 'string' && safeRequestId.test(incoming)) return incoming;
    counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
    return `${prefix}-${counter.toString(36)}`;
  };
}
