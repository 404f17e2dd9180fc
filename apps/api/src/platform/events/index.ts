export {
  defineEvent,
  eventsOn,
  parseEventPayload,
  UnprocessableEventError,
  type DeliveredEvent,
  type EventContract,
  type EventRecorder,
  type EventSubscription,
  type NewEvent,
  type TransactionEvents,
} from './event.js';
export { EventOutbox, outboxChannel } from './outbox.js';
export {
  EventDispatcher,
  type DispatchDb,
  type DispatcherStats,
  type DispatchSettings,
  type EventDispatcherOptions,
} from './dispatcher.js';
export { OutboxAdmin, type AdminOutcome, type DeadDelivery } from './outbox-admin.js';
