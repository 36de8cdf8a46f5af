-- Wake relays at commit instead of polling: one NOTIFY per transaction that writes outbox rows (statement-level;
-- PostgreSQL also folds identical notifications of one transaction into one). Relays LISTEN ecomart_outbox.
-- depends: 0004_place_order

CREATE FUNCTION ecomart_outbox_notify() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('ecomart_outbox', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION ecomart_outbox_notify();
