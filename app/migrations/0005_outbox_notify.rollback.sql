DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION ecomart_outbox_notify();
