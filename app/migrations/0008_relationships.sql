-- Relationships (docs/adr/0028): EcoMart's staff hierarchy and the links between customers that fraud review
-- follows, both in PostgreSQL and walked with recursive SQL.
-- depends: 0007_order_id_key

CREATE TABLE departments (
    id    smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code  text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]{1,31}$'),
    name  text NOT NULL
);

-- One reporting line per employee (manager_id); the root (the CEO) has none. Leavers keep their row (left_on) so
-- history stays answerable; the hierarchy queries skip them.
CREATE TABLE employees (
    id             bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name      text     NOT NULL,
    title          text     NOT NULL,
    department_id  smallint NOT NULL REFERENCES departments (id),
    manager_id     bigint   REFERENCES employees (id),
    hired_on       date     NOT NULL DEFAULT current_date,
    left_on        date,
    CONSTRAINT employees_not_own_manager CHECK (manager_id IS DISTINCT FROM id)
);
-- The recursive step of "everyone under a manager" joins on manager_id: without this index each level is a scan.
CREATE INDEX employees_manager_idx ON employees (manager_id) INCLUDE (id) WHERE left_on IS NULL;
-- One root at most.
CREATE UNIQUE INDEX employees_one_root ON employees ((manager_id IS NULL)) WHERE manager_id IS NULL;

-- No cycles: a new reporting line may not point at the employee's own subordinate. Only a change of manager can
-- close a loop (nobody reports to a row being inserted yet), so only updates are checked: a walk up from the new
-- manager by primary key. Changes to reporting lines are serialized by a transaction-level advisory lock, so two
-- concurrent moves (A under B, B under A) cannot each see the old tree and together close a loop; in READ
-- COMMITTED the walk, a new statement after the lock, sees the move committed first.
CREATE FUNCTION ecomart_employees_no_cycle() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    cur   bigint := NEW.manager_id;
    steps integer := 0;
BEGIN
    IF NEW.manager_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('ecomart_employees_reporting_lines'));
    WHILE cur IS NOT NULL AND steps < 10000 LOOP
        IF cur = NEW.id THEN
            RAISE EXCEPTION 'employee % cannot report to % (% reports to %, directly or not)',
                NEW.id, NEW.manager_id, NEW.manager_id, NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT manager_id INTO cur FROM employees WHERE id = cur;
        steps := steps + 1;
    END LOOP;
    RETURN NEW;
END;
$$;

CREATE TRIGGER employees_no_cycle
    BEFORE UPDATE OF manager_id ON employees
    FOR EACH ROW EXECUTE FUNCTION ecomart_employees_no_cycle();

-- What links customers for fraud review: a payment instrument's fingerprint (the processor's, never the card
-- number), a device id, a normalized shipping address. Stored as a keyed hash of the value (app/relationships.py),
-- never the value itself, and deleted with the customer's other PII on erasure.
CREATE TABLE customer_links (
    kind         text        NOT NULL CHECK (kind IN ('payment', 'device', 'address')),
    fingerprint  bytea       NOT NULL CHECK (octet_length(fingerprint) = 32),
    customer_id  bigint      NOT NULL REFERENCES customers (id),
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, fingerprint, customer_id)
);
-- From a customer to their fingerprints (the other direction is the primary key).
CREATE INDEX customer_links_customer_idx ON customer_links (customer_id) INCLUDE (kind, fingerprint);
