import type { FastifyInstance } from 'fastify';
import type { EventSubscription } from '../events/event.js';
import type { RuntimeHandlers } from './operation.js';

/**
 * What every module hands to app.ts: its operation handlers (bound to the operationIds of its
 * openapi.yaml) and, rarely, routes that are not API operations (static assets).
 */
export interface ApiModule {
  name: string;
  handlers: RuntimeHandlers;
  /** The module's event subscriptions (other modules' events it handles); delivered by the platform's dispatcher. */
  subscriptions?: readonly EventSubscription[];
  /**
   * Operations of the module's spec whose route `registerRoutes` registers itself, because a
   * library owns it (the API reference page): the router binds no handler and no route for them,
   * and still answers 405 for the methods their path does not declare.
   */
  operationsWithOwnRoutes?: readonly string[];
  /** Registers routes outside the spec (e.g. the API reference page's assets). */
  registerRoutes?(app: FastifyInstance): void;
  /** Starts background work (e.g. LISTEN); runs before the server accepts requests. */
  start?(): Promise<void>;
  /** Releases the module's resources at shutdown. */
  close?(): Promise<void>;
}
