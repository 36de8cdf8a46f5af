-- Time series (docs/adr/0029): units sold per product over time and inventory levels per product and warehouse,
-- in monthly range partitions of PostgreSQL itself (no extension: the partitions are made ahead and dropped whole
-- by the same maintenance run as the orders', ecomart_ensure_time_partitions / ecomart_drop_time_partitions).
-- depends: 0008_relationships

-- One row per order line, written by the outbox relay in the transaction that marks the event published (so a
-- redone batch writes nothing twice: the primary key holds the event and line). The category is the product's
-- first catalog category at the time of sale (the catalog lives in MongoDB; the relay reads it per batch).
CREATE TABLE sales_points (
    sold_at        timestamptz NOT NULL,
    event_id       bigint      NOT NULL,
    line           smallint    NOT NULL,
    product_id     bigint      NOT NULL,
    category       text        NOT NULL,
    quantity       integer     NOT NULL CHECK (quantity > 0),
    revenue_cents  bigint      NOT NULL CHECK (revenue_cents >= 0),
    PRIMARY KEY (event_id, line, sold_at)
) PARTITION BY RANGE (sold_at);
-- Time ranges (hourly and daily buckets, a period's top sellers) read a month's partition by block ranges: rows
-- arrive in time order, so a BRIN index of a few pages replaces a B-tree of hundreds of megabytes.
CREATE INDEX sales_points_sold_at_brin ON sales_points USING brin (sold_at) WITH (pages_per_range = 32);
CREATE INDEX sales_points_product_idx ON sales_points (product_id, sold_at);

-- A product's level in a warehouse: after each order that moved it (event_id) and once a day for every stocked
-- product (event_id NULL: the daily history a marketplace keeps for restocking and reports).
CREATE TABLE inventory_levels (
    at            timestamptz NOT NULL,
    product_id    bigint      NOT NULL,
    warehouse_id  smallint    NOT NULL,
    quantity      integer     NOT NULL,
    reserved      integer     NOT NULL,
    event_id      bigint
) PARTITION BY RANGE (at);
CREATE INDEX inventory_levels_at_brin ON inventory_levels USING brin (at) WITH (pages_per_range = 32);
-- "A product's level over a window": one product's points in time order.
CREATE INDEX inventory_levels_product_idx ON inventory_levels (product_id, warehouse_id, at);
-- A redone relay batch records the same event's levels once.
CREATE UNIQUE INDEX inventory_levels_event_key ON inventory_levels (event_id, product_id, warehouse_id, at)
    WHERE event_id IS NOT NULL;

-- Monthly partitions (UTC) of a time-series table from p_from's month through p_months_ahead months after it;
-- idempotent, safe to run concurrently; returns how many it created.
CREATE FUNCTION ecomart_ensure_time_partitions(p_table text, p_from date, p_months_ahead integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    month_start date;
    part_name   text;
    created     integer := 0;
BEGIN
    IF p_table NOT IN ('sales_points', 'inventory_levels') THEN
        RAISE EXCEPTION 'p_table must be sales_points or inventory_levels, got %', p_table;
    END IF;
    IF p_months_ahead < 0 OR p_months_ahead > 36 THEN
        RAISE EXCEPTION 'p_months_ahead must be between 0 and 36, got %', p_months_ahead;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('ecomart_time_partitions:' || p_table));
    FOR i IN 0..p_months_ahead LOOP
        month_start := (date_trunc('month', p_from) + make_interval(months => i))::date;
        part_name := format('%s_y%sm%s', p_table, to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
        IF to_regclass(part_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                part_name, p_table,
                (month_start::timestamp AT TIME ZONE 'UTC'),
                ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END;
$$;

-- Retention: drop the partitions that end before p_before (whole months: no DELETE, no vacuum debt); returns
-- the names dropped.
CREATE FUNCTION ecomart_drop_time_partitions(p_table text, p_before timestamptz)
RETURNS text[]
LANGUAGE plpgsql
AS $$
DECLARE
    part    record;
    dropped text[] := '{}';
BEGIN
    IF p_table NOT IN ('sales_points', 'inventory_levels') THEN
        RAISE EXCEPTION 'p_table must be sales_points or inventory_levels, got %', p_table;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('ecomart_time_partitions:' || p_table));
    FOR part IN
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = p_table::regclass
        ORDER BY c.relname
    LOOP
        -- FOR VALUES FROM ('…') TO ('…'): the partition's upper bound
        IF substring(part.bound FROM 'TO \(''([^'']+)''\)')::timestamptz <= p_before THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped || part.relname::text;
        END IF;
    END LOOP;
    RETURN dropped;
END;
$$;

DO $$ BEGIN
    PERFORM ecomart_ensure_time_partitions('sales_points', (now() AT TIME ZONE 'UTC')::date - 31, 4);
    PERFORM ecomart_ensure_time_partitions('inventory_levels', (now() AT TIME ZONE 'UTC')::date - 31, 4);
END $$;
