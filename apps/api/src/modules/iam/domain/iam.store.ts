import type { TransactionEvents } from '../../../platform/events/event.js';
import type { ApiKeyRepository } from './api-key.repo.js';
import type { AppRepository } from './app.repo.js';
import type { GenesisRepository } from './genesis.repo.js';
import type { OrgRepository } from './org.repo.js';
import type { RbacRepository } from './rbac.repo.js';
import type { UserRepository } from './user.repo.js';

/**
 * The repositories of the iam module, one per noun, over one schema: every method is a single
 * statement (or a short fixed sequence); services compose them inside transactions.
 */
export interface IamRepositories {
  users: UserRepository;
  orgs: OrgRepository;
  apps: AppRepository;
  apiKeys: ApiKeyRepository;
  rbac: RbacRepository;
  genesis: GenesisRepository;
}

/** What a transaction adds to the repositories (all bound to it). */
export interface IamTransaction {
  /** Records iam's events (events.ts) in this transaction. */
  events: TransactionEvents;
  /** Tells every instance (on commit) that iam data changed, so caches drop what they hold. */
  notifyChange(what: string): Promise<void>;
}

/**
 * Runs work on the repositories named by `K` (a service names those it uses), outside a
 * transaction (the repositories themselves) or in one ({@link transaction}).
 */
export type IamStore<K extends keyof IamRepositories = keyof IamRepositories> = Pick<IamRepositories, K> & {
  /**
   * Runs `fn` in one transaction, on the repositories bound to it; afterwards this instance's
   * caches are invalidated if `fn` changed data.
   */
  transaction<T>(fn: (tx: Pick<IamRepositories, K> & IamTransaction) => Promise<T>): Promise<T>;
};
