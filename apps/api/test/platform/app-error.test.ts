import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/platform/errors/app-error.js';

/** The response headers an AppError derives from its kind, so no thrower sets them by hand. */
describe('AppError headers', () => {
  it('gives a 503 and a 429 a Retry-After of 1 s unless the thrower names a delay', () => {
    assert.deepEqual(new AppError('unavailable_error', 'down').headers, { 'Retry-After': '1' });
    assert.deepEqual(new AppError('rate_limit_error', 'slow down', { retryAfterSeconds: 7 }).headers, { 'Retry-After': '7' });
    assert.deepEqual(
      new AppError('rate_limit_error', 'slow down', { headers: { 'Retry-After': '3', 'RateLimit-Policy': '10;w=1' } }).headers,
      {
        'Retry-After': '3',
        'RateLimit-Policy': '10;w=1',
      },
    );
  });

  it('gives a 405 the Allow of the methods it names', () => {
    assert.deepEqual(new AppError('method_not_allowed_error', 'no', { allow: ['GET', 'HEAD'] }).headers, { Allow: 'GET, HEAD' });
  });

  it('derives nothing for other kinds, whatever options they carry', () => {
    assert.deepEqual(new AppError('conflict_error', 'taken', { retryAfterSeconds: 5, allow: ['GET'] }).headers, {});
  });
});
