-- Orders range-partitioned by month on creation time (order items co-partitioned), one payment per order,
-- idempotency keys unique per customer. Partitions are created ahead by ecomart_ensure_order_partitions().
-- depends: 0001_core

CREATE SEQUENCE orders_id_seq AS bigint;

CREATE TABLE orders (
    id           bigint      NOT NULL DEFAULT nextval('orders_id_seq'),
    customer_id  bigint      NOT NULL REFERENCES customers (id),
    status       text        NOT NULL DEFAULT 'pending_payment'
                 CHECK (status IN ('pending_payment', 'paid', 'shipped', 'cancelled')),
    total_cents  bigint      NOT NULL CHECK (total_cents >= 0),
    currency     char(3)     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE orders_id_seq OWNED BY orders.id;

-- Hot query: a customer's recent orders.
CREATE INDEX orders_customer_recent_idx ON orders (customer_id, created_at DESC);

CREATE TABLE order_items (
    order_id          bigint      NOT NULL,
    order_created_at  timestamptz NOT NULL,
    line_no           smallint    NOT NULL CHECK (line_no > 0),
    warehouse_id      smallint    NOT NULL REFERENCES warehouses (id),
    product_id        bigint      NOT NULL REFERENCES products (id),
    sku               text        NOT NULL,
    quantity          integer     NOT NULL CHECK (quantity > 0),
    unit_price_cents  integer     NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, order_created_at, line_no, warehouse_id),
    FOREIGN KEY (order_id, order_created_at) REFERENCES orders (id, created_at)
) PARTITION BY RANGE (order_created_at);

CREATE TABLE payments (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint      NOT NULL,
    order_created_at  timestamptz NOT NULL,
    amount_cents      bigint      NOT NULL CHECK (amount_cents >= 0),
    currency          char(3)     NOT NULL,
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'authorized', 'captured', 'failed', 'refunded')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- One charge per order: a retried request can never create a second payment.
    CONSTRAINT payments_one_per_order UNIQUE (order_id),
    FOREIGN KEY (order_id, order_created_at) REFERENCES orders (id, created_at)
);

CREATE TABLE idempotency_keys (
    customer_id       bigint      NOT NULL REFERENCES customers (id),
    idempotency_key   text        NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 200),
    request_hash      text        NOT NULL,
    order_id          bigint,
    order_created_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, idempotency_key)
);

-- Monthly partitions (UTC months) of orders and order_items from p_from's month through p_months_ahead
-- months after it. Idempotent and safe to call concurrently; returns how many partitions it created.
CREATE FUNCTION ecomart_ensure_order_partitions(p_from date, p_months_ahead integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    month_start date;
    part_name   text;
    parent      text;
    created     integer := 0;
BEGIN
    IF p_months_ahead < 0 OR p_months_ahead > 36 THEN
        RAISE EXCEPTION 'p_months_ahead must be between 0 and 36, got %', p_months_ahead;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('ecomart_ensure_order_partitions'));
    FOR i IN 0..p_months_ahead LOOP
        month_start := (date_trunc('month', p_from) + make_interval(months => i))::date;
        FOREACH parent IN ARRAY ARRAY['orders', 'order_items'] LOOP
            part_name := format('%s_y%sm%s', parent, to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
            IF to_regclass(part_name) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                    part_name, parent,
                    (month_start::timestamp AT TIME ZONE 'UTC'),
                    ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Last month through three months ahead (the app and `python -m app.migrate` keep extending this).
DO $$ BEGIN PERFORM ecomart_ensure_order_partitions((now() AT TIME ZONE 'UTC')::date - 31, 4); END $$;
