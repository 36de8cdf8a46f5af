-- Transactional outbox: events written in the same transaction as the change they describe,
-- published to MongoDB by the relay (app/relay.py).
-- depends: 0002_orders

CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    event_type      text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    attempts        integer     NOT NULL DEFAULT 0
);
-- Hot query: the oldest unpublished events. Only unpublished rows are indexed, so it stays small.
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
