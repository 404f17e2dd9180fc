DROP TABLE IF EXISTS platform.event_receipt;
DROP TABLE IF EXISTS platform.outbox_delivery;
DROP TABLE IF EXISTS platform.outbox_event;
DROP TABLE IF EXISTS platform.event_subscription;
