/**
 * Validators (Ajv) and response serializers (fast-json-stringify) compiled on first use instead of
 * when Fastify builds its routes: compiling all of them took about 280 ms of a 1.4 s cold start (docs/adr/0027-startup-and-request-cost.md).
 * The server listens without them; {@link DeferredCompiles.compileAll} (main.ts: a second after
 * listening) then compiles the rest in small slices between requests, so a route is compiled when
 * its first request arrives or shortly after the start, whichever comes first. A schema that fails to compile fails where Fastify would
 * have failed (the compile error), only later; `compileAll` reports it (the server logs it as fatal).
 */

/** A compiled function as Fastify calls it; Ajv's also carry the last call's `errors`. */
type Compiled = ((data: unknown) => unknown) & { errors?: unknown };

/** Milliseconds of compiling per slice before yielding to the event loop. */
const sliceMs = 4;

export class DeferredCompiles {
  private readonly pending: (() => unknown)[] = [];

  /**
   * A function that behaves as `compile()`'s result, compiling it on first call (or in
   * {@link compileAll}). With `errors`, the Ajv `errors` of the last call are readable on it.
   */
  defer<F extends Compiled>(compile: () => F, options: { errors?: boolean } = {}): F {
    let compiled: F | undefined;
    const ensure = (): F => (compiled ??= compile());
    this.pending.push(ensure);
    const deferred = ((data: unknown) => ensure()(data)) as F;
    if (options.errors) Object.defineProperty(deferred, 'errors', { get: () => compiled?.errors });
    return deferred;
  }

  /** Compiles everything still pending, a slice at a time; rejects with the first compile error. */
  async compileAll(): Promise<void> {
    while (this.pending.length > 0) {
      const until = performance.now() + sliceMs;
      while (this.pending.length > 0 && performance.now() < until) this.pending.shift()!();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
