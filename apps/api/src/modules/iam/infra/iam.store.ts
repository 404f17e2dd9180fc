import type { Db } from '../../../platform/db/db.js';
import { eventsOn, type EventRecorder, type TransactionEvents } from '../../../platform/events/event.js';
import type { IamRepository, IamStore } from '../domain/iam.repo.js';
import { PgIamRepository } from './iam.repo.js';

/** The channel on which every instance announces iam changes (payload: what changed). */
export const iamChangeChannel = 'chompardo_iam';

/**
 * The iam store on a database. After every transaction `afterWrite` runs (this instance clears
 * its caches at once; other instances hear the NOTIFY sent inside the transaction). Events go
 * through `events` in the same transaction.
 */
export function createIamStore(db: Db, events: EventRecorder, afterWrite: () => void): IamStore {
  return {
    repo: new PgIamRepository(db),
    async transaction<T>(fn: (repo: IamRepository, events: TransactionEvents) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) => fn(new PgIamRepository(tx), eventsOn(events, tx)));
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
