-- The key that turns internal order ids (a sequence) into the opaque ids clients see (app/public_ids.py): made
-- here, from PostgreSQL's strong random source, so it lives with the data it protects (encrypted at rest with the
-- relational key) and in no file, environment variable or secret store.
-- depends: 0006_queued_orders

CREATE TABLE ecomart_keys (
    name        text        PRIMARY KEY,
    key         bytea       NOT NULL CHECK (length(key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ecomart_keys (name, key)
VALUES ('order-public-id', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
