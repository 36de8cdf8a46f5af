-- Order placement as one server-side function: one round trip per order (docs/adr/0010).
-- The same statements and lock order as the client-side version it replaces: claim the idempotency key, lock the
-- inventory rows of the order's SKUs ordered by (product_id, warehouse_id), allocate every line from warehouses in
-- id order, decrement stock, write order, items, pending payment and the OrderPlaced outbox event, link the key.
-- Refusals RAISE (so the statement, and with it the key claim, rolls back: nothing changes) with SQLSTATEs the app
-- maps to its errors: ECNF1 unknown SKU, ECIN1 inactive SKU, ECST1 insufficient stock (DETAIL: JSON).
-- An unknown customer or an earlier request with the same key returns instead (nothing was written).
-- depends: 0003_outbox

CREATE FUNCTION ecomart_place_order(p_customer bigint, p_key text, p_hash text, p_skus text[], p_qty integer[])
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    prior        record;
    r            record;
    n_lines      integer := coalesce(array_length(p_skus, 1), 0);
    pid          bigint[] := '{}';
    psku         text[] := '{}';
    pcat         text[] := '{}';
    pprice       integer[] := '{}';
    pcur         text[] := '{}';
    pactive      boolean[] := '{}';
    wid          smallint[] := '{}';
    wqty         integer[] := '{}';
    found_sku    text[] := '{}';
    line         integer;
    j            integer;
    need         integer;
    take         integer;
    avail        integer;
    lp           integer;   -- index of the line's product in the locked rows
    a_line       smallint[] := '{}';
    a_wid        smallint[] := '{}';
    a_pid        bigint[] := '{}';
    a_sku        text[] := '{}';
    a_qty        integer[] := '{}';
    a_price      integer[] := '{}';
    total        bigint := 0;
    cur          text;
    items        jsonb := '[]';
    o_id         bigint;
    o_at         timestamptz;
    pay_id       bigint;
BEGIN
    INSERT INTO idempotency_keys (customer_id, idempotency_key, request_hash)
    SELECT id, p_key, p_hash FROM customers WHERE id = p_customer AND erased_at IS NULL
    ON CONFLICT (customer_id, idempotency_key) DO NOTHING;
    IF NOT FOUND THEN  -- unknown customer, or an earlier request with this key committed
        SELECT k.request_hash, k.order_id INTO prior FROM idempotency_keys k JOIN customers c ON c.id = k.customer_id
        WHERE k.customer_id = p_customer AND k.idempotency_key = p_key AND c.erased_at IS NULL;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('outcome', 'unknown_customer');
        END IF;
        IF prior.request_hash <> p_hash THEN
            RETURN jsonb_build_object('outcome', 'key_reused');
        END IF;
        RETURN jsonb_build_object('outcome', 'replay', 'order_id', prior.order_id);
    END IF;

    -- Lock every inventory row of the order in one global order: two orders can wait, never deadlock.
    FOR r IN SELECT p.id, p.sku, p.catalog_id, p.price_cents, p.currency, p.active, i.warehouse_id, i.quantity
             FROM products p JOIN inventory i ON i.product_id = p.id
             WHERE p.sku = ANY(p_skus) ORDER BY p.id, i.warehouse_id FOR UPDATE OF i LOOP
        pid := pid || r.id; psku := psku || r.sku; pcat := pcat || r.catalog_id; pprice := pprice || r.price_cents;
        pcur := pcur || rtrim(r.currency); pactive := pactive || r.active; wid := wid || r.warehouse_id;
        wqty := wqty || r.quantity;
    END LOOP;

    FOR line IN 1..n_lines LOOP
        lp := array_position(psku, p_skus[line]);
        IF lp IS NULL THEN  -- an unknown SKU, or a product without any inventory row
            SELECT p.active INTO r FROM products p WHERE p.sku = p_skus[line];
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'ECNF1', MESSAGE = p_skus[line];
            ELSIF NOT r.active THEN
                RAISE EXCEPTION USING ERRCODE = 'ECIN1', MESSAGE = p_skus[line];
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'ECST1', MESSAGE = p_skus[line],
                DETAIL = jsonb_build_object('sku', p_skus[line], 'requested', p_qty[line], 'available', 0)::text;
        END IF;
        IF NOT pactive[lp] THEN
            RAISE EXCEPTION USING ERRCODE = 'ECIN1', MESSAGE = p_skus[line];
        END IF;
    END LOOP;

    FOR line IN 1..n_lines LOOP
        lp := array_position(psku, p_skus[line]);
        avail := 0;
        FOR j IN lp..array_length(psku, 1) LOOP
            EXIT WHEN psku[j] <> p_skus[line];
            avail := avail + wqty[j];
        END LOOP;
        IF avail < p_qty[line] THEN
            RAISE EXCEPTION USING ERRCODE = 'ECST1', MESSAGE = p_skus[line],
                DETAIL = jsonb_build_object('sku', p_skus[line], 'requested', p_qty[line], 'available', avail)::text;
        END IF;
        need := p_qty[line];
        FOR j IN lp..array_length(psku, 1) LOOP
            EXIT WHEN need = 0 OR psku[j] <> p_skus[line];
            take := least(need, wqty[j]);
            IF take > 0 THEN
                a_line := a_line || line::smallint; a_wid := a_wid || wid[j]; a_pid := a_pid || pid[j];
                a_sku := a_sku || psku[j]; a_qty := a_qty || take; a_price := a_price || pprice[j];
                need := need - take;
            END IF;
        END LOOP;
        total := total + p_qty[line]::bigint * pprice[lp];
        items := items || jsonb_build_object('sku', p_skus[line], 'product_id', pid[lp], 'catalog_id', pcat[lp],
                                             'quantity', p_qty[line], 'unit_price_cents', pprice[lp]);
    END LOOP;
    cur := pcur[array_position(psku, p_skus[1])];

    UPDATE inventory i SET quantity = i.quantity - d.qty, reserved = i.reserved + d.qty, version = i.version + 1,
           updated_at = now()
    FROM unnest(a_pid, a_wid, a_qty) AS d(pid, wid, qty)
    WHERE i.product_id = d.pid AND i.warehouse_id = d.wid;

    INSERT INTO orders (customer_id, total_cents, currency) VALUES (p_customer, total, cur)
    RETURNING id, created_at INTO o_id, o_at;
    INSERT INTO order_items (order_id, order_created_at, line_no, warehouse_id, product_id, sku, quantity,
                             unit_price_cents)
    SELECT o_id, o_at, x.line_no, x.wid, x.pid, x.sku, x.qty, x.price
    FROM unnest(a_line, a_wid, a_pid, a_sku, a_qty, a_price) AS x(line_no, wid, pid, sku, qty, price);
    INSERT INTO payments (order_id, order_created_at, amount_cents, currency) VALUES (o_id, o_at, total, cur)
    RETURNING id INTO pay_id;
    INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload)
    SELECT 'order', o_id::text, 'OrderPlaced',
           jsonb_build_object('customer_id', p_customer, 'total_cents', total, 'currency', cur, 'items', items,
                              'order_id', o_id, 'created_at', o_at, 'region', c.region, 'location', c.country)
    FROM customers c WHERE c.id = p_customer;
    UPDATE idempotency_keys SET order_id = o_id, order_created_at = o_at
    WHERE customer_id = p_customer AND idempotency_key = p_key;
    RETURN jsonb_build_object('outcome', 'placed', 'id', o_id, 'created_at', o_at, 'payment_id', pay_id,
                              'total_cents', total, 'currency', cur, 'items', items);
END;
$$;
