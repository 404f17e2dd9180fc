import type { Db, Queryable } from '../../../platform/db/db.js';
import { eventsOn, type EventRecorder } from '../../../platform/events/event.js';
import type { IamRepositories, IamStore } from '../domain/iam.store.js';
import { PgApiKeyRepository } from './api-key.repo.js';
import { PgAppRepository } from './app.repo.js';
import { notifyIamChange } from './genesis.queries.js';
import { PgGenesisRepository } from './genesis.repo.js';
import { PgOrgRepository } from './org.repo.js';
import { PgRbacRepository } from './rbac.repo.js';
import { PgUserRepository } from './user.repo.js';

/** The channel on which every instance announces iam changes (payload: what changed). */
export const iamChangeChannel = 'chompardo_iam';

/** Every iam repository on `db` (the pool, or one transaction). */
export function iamRepositoriesOn(db: Queryable): IamRepositories {
  return {
    users: new PgUserRepository(db),
    orgs: new PgOrgRepository(db),
    apps: new PgAppRepository(db),
    apiKeys: new PgApiKeyRepository(db),
    rbac: new PgRbacRepository(db),
    genesis: new PgGenesisRepository(db),
  };
}

/**
 * The iam store on a database. After every transaction `afterWrite` runs (this instance clears
 * its caches at once; other instances hear the NOTIFY sent inside the transaction). Events go
 * through `events` in the same transaction.
 */
export function createIamStore(db: Db, events: EventRecorder, afterWrite: () => void): IamStore {
  return {
    ...iamRepositoriesOn(db),
    async transaction(fn) {
      try {
        return await db.transaction((tx) =>
          fn({
            ...iamRepositoriesOn(tx),
            events: eventsOn(events, tx),
            // NOTIFY is delivered on commit only, on {@link iamChangeChannel} (genesis.sql).
            notifyChange: async (what) => {
              await notifyIamChange.run({ payload: what }, tx);
            },
          }),
        );
      } finally {
        afterWrite();
      }
    },
  };
}

/**
 * Subscribes `onChange` to iam changes of every instance: NOTIFYs on {@link iamChangeChannel},
 * and reconnections of the notification connection (notifications may have been missed).
 * Returns a function that unsubscribes.
 */
export async function subscribeToIamChanges(db: Db, onChange: () => void): Promise<() => Promise<void>> {
  const stopListening = await db.listen(iamChangeChannel, () => onChange());
  const stopReconnect = db.onNotificationReconnect(onChange);
  return async () => {
    stopReconnect();
    await stopListening();
  };
}
