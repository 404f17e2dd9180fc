DROP TABLE IF EXISTS iam.audit_event;
