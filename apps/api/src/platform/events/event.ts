import type * as z from 'zod';
import type { Queryable } from '../db/db.js';

/**
 * The published language of modules: named, versioned domain events about one aggregate. A module
 * declares the events it publishes in its `events.ts` ({@link defineEvent}), records them with an
 * {@link EventRecorder} in the transaction of the change that caused them, and subscribes to
 * other modules' events by name through its `module.ts` ({@link EventSubscription}). Subscribers
 * never import the publisher's code: they receive the name, version and JSON payload and validate
 * the fields they read themselves ({@link parseEventPayload}).
 */

/** A module's declaration of one event it publishes. */
export interface EventContract<P> {
  /**
   * `<module>.<aggregate>.<past-tense verb>`, e.g. `iam.org.deleted`, or `<module>.<verb>` when the
   * aggregate is the module's own noun (`movie.created`); stable once published.
   */
  readonly name: string;
  /** Version of the payload's shape; a breaking change is a new version (subscribers see which). */
  readonly version: number;
  /** What the aggregate id names, e.g. `org`: events of one (type, id) are delivered in order. */
  readonly aggregateType: string;
  /** The payload's schema (JSON, snake_case keys): every recorded payload is checked against it. */
  readonly payload: z.ZodType<P>;
}

/** Declares an event a module publishes (see {@link EventContract}). */
export function defineEvent<P>(contract: EventContract<P>): EventContract<P> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/.test(contract.name)) {
    throw new Error(`event name ${contract.name} must look like <module>.<aggregate>.<verb> or <module>.<verb> (lower case)`);
  }
  if (!Number.isInteger(contract.version) || contract.version < 1)
    throw new Error(`event ${contract.name}: version must be a positive integer`);
  return contract;
}

/** One occurrence of an event, as the publisher records it. */
export interface NewEvent<P> {
  /** The aggregate's id (an external id: stable, never reused). */
  aggregateId: string;
  /** The tenant: the org's internal id as the platform passes it around (`AuthApp.orgId`); null if none. */
  orgId: string | null;
  payload: P;
}

/**
 * Records events in a transaction the caller already has open. Recording is one INSERT statement
 * (the fan-out to the registered subscribers and a NOTIFY on commit happen inside it): the event
 * exists exactly when the caller's transaction commits.
 */
export interface EventRecorder {
  /**
   * Records `event` on `tx`, which must be the transaction of the change the event reports.
   * Returns the new event's id.
   * @throws Error when the payload does not match the contract (a programming error: the
   *   transaction then rolls back with it).
   */
  record<P>(tx: Queryable, contract: EventContract<P>, event: NewEvent<P>): Promise<string>;
  /**
   * A connection on which the next statement — one INSERT, UPDATE or DELETE with RETURNING, e.g.
   * a typed query's `run(params, conn)` — also records `event`, in that same statement: the event
   * exists exactly when the statement's change does (it is recorded only when the statement
   * returns a row), with no transaction and no round trip of its own. Runs on `conn` (the pool,
   * or a transaction; within an ambient transaction the handle joins it). One statement only.
   * @throws Error when the payload does not match the contract (before anything is sent).
   */
  alongside<P>(conn: Queryable, contract: EventContract<P>, event: NewEvent<P>): Queryable;
}

/** An {@link EventRecorder} bound to one transaction, for use cases that compose repositories. */
export interface TransactionEvents {
  /** Records `event` in the bound transaction; see {@link EventRecorder.record}. */
  record<P>(contract: EventContract<P>, event: NewEvent<P>): Promise<string>;
}

/** Binds `recorder` to `tx`. */
export function eventsOn(recorder: EventRecorder, tx: Queryable): TransactionEvents {
  return { record: (contract, event) => recorder.record(tx, contract, event) };
}

/** An event as a subscriber receives it. */
export interface DeliveredEvent {
  /** The event's id (UUID): the same on every delivery of it, to every subscriber. */
  id: string;
  name: string;
  version: number;
  aggregateType: string;
  aggregateId: string;
  orgId: string | null;
  /** The recorded JSON, unvalidated: validate what you read with {@link parseEventPayload}. */
  payload: unknown;
  occurredAt: Date;
  /** 1 on the first delivery to this subscriber, then 2, 3, … on retries. */
  attempt: number;
}

/**
 * A module's subscription: which events its handler wants. Declared in the module's `module.ts`
 * and collected by app.ts from {@link ApiModule.subscriptions}.
 */
export interface EventSubscription {
  /**
   * Stable, unique name: `<module>.<purpose>`, e.g. `movie.delete-org-movies`. Delivery state and
   * receipts are kept per subscriber; renaming one is a new subscriber.
   */
  subscriber: string;
  /** Event names handled (publishers' contract names). */
  events: readonly string[];
  /**
   * Handles one event inside the delivery transaction `tx` (the subscriber's writes, its receipt
   * and the delivery's state commit together; the transaction is ambient, so module code that
   * uses its own `Db` joins it). Resolve to acknowledge; throw to retry later (with backoff), or
   * throw {@link UnprocessableEventError} when no retry can help. Must only do database work: it
   * may run again after a failure, and never runs twice to completion for one event.
   */
  handle(event: DeliveredEvent, tx: Queryable): Promise<void>;
}

/** Thrown by a handler for an event it can never process (unknown version, invalid payload): dead-lettered at once. */
export class UnprocessableEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnprocessableEventError';
  }
}

/**
 * The payload of `event` as `schema` (the subscriber's own view of the fields it reads) parses it.
 * @throws UnprocessableEventError when it does not match (retrying cannot fix a payload).
 */
export function parseEventPayload<P>(event: DeliveredEvent, schema: z.ZodType<P>): P {
  const result = schema.safeParse(event.payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new UnprocessableEventError(`${event.name} v${event.version} payload does not match${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
