-- Core reference data: customers (GDPR/CCPA flags), the sellable products that mirror catalog prices,
-- warehouses and per-warehouse inventory. Money is integer cents; stock can never go negative.

CREATE TABLE customers (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                 text        NOT NULL CHECK (position('@' IN email) > 1),
    full_name             text,
    region                text        NOT NULL CHECK (region IN ('eu', 'uk', 'us', 'us-ca', 'apac')),
    -- ISO 3166-1 alpha-2 country of residence (billing address): the `location` that places the customer's
    -- MongoDB documents in a zone (docs/adr/0007); never derived from IP geolocation.
    country               char(2)     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    marketing_consent     boolean     NOT NULL DEFAULT false,   -- GDPR art. 7: explicit opt-in
    consent_updated_at    timestamptz,
    do_not_sell           boolean     NOT NULL DEFAULT false,   -- CCPA opt-out of sale/sharing
    erasure_requested_at  timestamptz,                          -- GDPR art. 17 / CCPA deletion request
    erased_at             timestamptz,                          -- PII overwritten; orders kept for tax law
    created_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_erasure_follows_request
        CHECK (erased_at IS NULL OR erasure_requested_at IS NOT NULL)
);
-- Emails are unique regardless of case.
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));

CREATE TABLE products (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku          text        NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{2,63}$'),
    catalog_id   text        NOT NULL,   -- MongoDB catalog _id (an apparel variant points at its product)
    name         text        NOT NULL,
    price_cents  integer     NOT NULL CHECK (price_cents >= 0),
    currency     char(3)     NOT NULL DEFAULT 'EUR',
    active       boolean     NOT NULL DEFAULT true,
    version      bigint      NOT NULL DEFAULT 1,   -- bumped on every price change; orders the catalog updates
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_catalog_id_idx ON products (catalog_id);

CREATE TABLE warehouses (
    id      smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code    text NOT NULL UNIQUE,
    name    text NOT NULL,
    region  text NOT NULL
);

-- quantity: units available to sell; reserved: units held for orders not yet shipped.
CREATE TABLE inventory (
    product_id    bigint      NOT NULL REFERENCES products (id),
    warehouse_id  smallint    NOT NULL REFERENCES warehouses (id),
    quantity      integer     NOT NULL CHECK (quantity >= 0),
    reserved      integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    version       bigint      NOT NULL DEFAULT 0,   -- optimistic locking
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, warehouse_id)
);
