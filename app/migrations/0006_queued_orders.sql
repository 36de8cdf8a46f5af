-- Orders accepted while PostgreSQL was down (read-only mode: queued in SQS, placed later by the drain worker):
-- the outcome of each, by its tracking reference, so the customer can see it and a second drain skips it.
-- depends: 0005_outbox_notify

CREATE TABLE queued_order_outcomes (
    tracking         text        PRIMARY KEY CHECK (tracking ~ '^q_[0-9a-f]{32}$'),
    customer_id      bigint      NOT NULL,
    idempotency_key  text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('placed', 'refused')),
    order_id         bigint,
    reason           text,
    queued_at        timestamptz NOT NULL,
    decided_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'placed') = (order_id IS NOT NULL)),
    CHECK ((status = 'refused') = (reason IS NOT NULL))
);
