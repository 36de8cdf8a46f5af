"""``python -m devtools.local`` (``make app``): run the whole service on this machine.

Starts PostgreSQL and Redis on free loopback ports, applies the migrations, bootstraps and seeds the sample
catalog (MongoDB at $MONGODB_URI, otherwise an in-process mongomock store - announced loudly, it is not a real
MongoDB), places a few sample orders, runs the outbox relay in a thread and serves the API with uvicorn on
127.0.0.1. Ctrl-C or SIGTERM stops the API and both servers.

Durable by default: PostgreSQL with fsync and synchronous commit on, Redis with its append-only file, both
keeping their data in ``--data-dir`` (build/local), so an order answered 201 survives a crash and carts survive
a restart; a restart reuses the data (stock is not reset). ``--fast`` runs throwaway servers without fsync or
persistence instead, and says so at start-up (docs/app.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import socket
import sys
import time
import uuid

import psycopg

from app import db
from app.auth import issue_token, new_key_pair
from app.catalog import bootstrap
from app.errors import AppError
from app.mongo import MOCK_BANNER, connect
from app.orders import OrderLine
from app.services import Services
from app.settings import AuthConfig, Settings
from devtools.seed import seed
from devtools.servers import PostgresServer, RedisServer, ServerError, free_port

LOCAL_ISSUER, LOCAL_AUDIENCE = "http://127.0.0.1/ecomart-local-issuer", "ecomart-api"

log = logging.getLogger("ecomart.local")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _shout(text: str) -> None:
    bar = "*" * 100
    print(f"\n{bar}\n{text}\n{bar}\n", file=sys.stderr, flush=True)


def place_sample_orders(services: Services, customers: list[int], skus: list[str], n: int, seed_value: int = 11) -> int:
    rng = random.Random(seed_value)
    placed = 0
    for _ in range(n):
        lines = [OrderLine(sku, rng.randint(1, 2)) for sku in rng.sample(skus, rng.randint(1, 3))]
        try:
            services.orders.place_order(rng.choice(customers), lines, f"sample-{uuid.uuid4()}")
            placed += 1
        except AppError:
            pass  # out of stock / inactive sample SKU: fine for sample data
    return placed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.local", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="API port on 127.0.0.1 (a free one is chosen if it is taken)",
    )
    parser.add_argument("--products", type=int, default=240, help="sample catalog size (>= 200 by default)")
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--sample-orders", type=int, default=40)
    parser.add_argument("--check", action="store_true", help="set everything up, answer /health once, then stop")
    parser.add_argument(
        "--data-dir",
        default=os.path.join("build", "local"),
        help="where PostgreSQL and Redis keep their data across runs (default build/local)",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="throwaway servers without fsync, synchronous commit or Redis persistence: faster, "
        "and a crash loses answered orders. Never for data you care about.",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def terminate(_signum, _frame):
        # A requested stop: unwind through `finally` (uvicorn re-raises SIGTERM after its graceful shutdown).
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    pg = redis_server = services = None
    try:
        if args.fast:
            _shout(
                "FAST MODE (--fast): PostgreSQL runs with fsync=off and synchronous_commit=off and Redis keeps "
                "nothing.\nA crash or kill loses orders that were already answered 201; carts vanish on "
                "restart. Throwaway data only."
            )
            pg = PostgresServer(prefix="ecomart-local-pg-").start()
            redis_server = RedisServer(prefix="ecomart-local-redis-").start()
        else:
            pg = PostgresServer(durable=True, directory=os.path.join(args.data_dir, "postgres")).start()
            redis_server = RedisServer(persistent=True, directory=os.path.join(args.data_dir, "redis")).start()
            log.info(
                "durable: PostgreSQL fsync/synchronous_commit on, Redis append-only file; data kept in %s%s",
                args.data_dir,
                " (reused from the last run)" if pg.reused else "",
            )
        dsn, redis_url = pg.dsn(), redis_server.url()
        log.info("PostgreSQL %s (data %s)", dsn, pg.dir)
        log.info("Redis %s", redis_url)
        applied = db.migrate(dsn)
        log.info("migrations applied: %s", ", ".join(applied))
        with psycopg.connect(dsn, autocommit=True) as conn:
            db.ensure_partitions(conn)

        uri = os.environ.get("MONGODB_URI") or None
        mongo = connect(uri, os.environ.get("MONGODB_DB", "catalog"))
        if mongo.is_mock:
            _shout(MOCK_BANNER)
        report = bootstrap(mongo)
        log.info("catalog bootstrap:\n%s", report)
        existing = list(mongo.db.products.find()) if not mongo.is_mock else []
        with psycopg.connect(dsn, autocommit=True) as conn:
            if existing:
                summary = seed(conn, mongo, products=existing, write_catalog=False, n_customers=args.customers)
                log.info("catalog at MONGODB_URI already has %d products: mirrored them into PostgreSQL", len(existing))
            else:
                summary = seed(
                    conn, mongo, n_products=args.products, n_customers=args.customers, reset_stock=not pg.reused
                )
                log.info(
                    "seeded %d products (by category: %s), %d sellable SKUs, %d reviews, %d customers",
                    summary.products,
                    ", ".join(f"{k} {v}" for k, v in sorted(summary.by_category.items())),
                    summary.sellable_skus,
                    summary.reviews,
                    len(summary.customers),
                )

        # A local token issuer: a throwaway key for this run only (docs/adr/0021); the API verifies its tokens.
        private_pem, public_pem = new_key_pair()
        auth = AuthConfig(mode="jwt", issuer=LOCAL_ISSUER, audience=LOCAL_AUDIENCE, public_key_pem=public_pem)
        settings = Settings(
            database_url=dsn,
            redis_url=redis_url,
            mongodb_uri=uri,
            mongodb_db=os.environ.get("MONGODB_DB", "catalog"),
            order_locking=os.environ.get("ORDER_LOCKING", "pessimistic"),
            relay_in_process=True,
            auth=auth,
        )
        services = Services.build(settings, mongo=mongo)
        services.recommendations.refresh_category_top()
        placed = 0 if pg.reused else place_sample_orders(services, summary.customers, summary.skus, args.sample_orders)
        log.info("placed %d sample orders (the in-process relay publishes them to the catalog store)", placed)

        from app.api import create_app

        app = create_app(services)
        port = args.port if _port_free(args.port) else free_port()
        base = f"http://127.0.0.1:{port}"
        customer = summary.customers[0]
        token = issue_token(
            private_pem, issuer=LOCAL_ISSUER, audience=LOCAL_AUDIENCE, customer_id=customer, lifetime_seconds=12 * 3600
        )
        print(
            f"\nEcoMart API on {base}  (OpenAPI: {base}/docs, {base}/openapi.json)\n"
            f"  curl {base}/health\n  curl '{base}/products?category=groceries&certification=Fairtrade'\n"
            f"  curl {base}/products/p-00001\n"
            f"Carts, orders and recommendations need a token. Sample customer {customer} (valid 12 h, this run "
            f"only):\n"
            f"export ECOMART_TOKEN={token}\n"
            f'  curl -X POST {base}/orders -H "Authorization: Bearer $ECOMART_TOKEN" '
            f"-H 'Idempotency-Key: demo-0001' -H 'content-type: application/json' "
            f'-d \'{{"items": [{{"sku": "{summary.skus[0]}", "quantity": 1}}]}}\'\n'
            f'  curl -H "Authorization: Bearer $ECOMART_TOKEN" {base}/customers/{customer}/recommendations\n'
            f"PostgreSQL: {dsn}   Redis: {redis_url}   Ctrl-C stops everything.\n",
            flush=True,
        )
        if args.check:
            from fastapi.testclient import TestClient

            with TestClient(app) as client:
                deadline = time.monotonic() + 15
                while services.relay_thread and time.monotonic() < deadline:
                    with psycopg.connect(dsn) as conn:
                        if conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0] == 0:
                            break
                    time.sleep(0.2)
                print(client.get("/health").json())
            return 0

        import uvicorn

        from app.server import config as server_config  # request headers bounded (431), as in a container

        server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, log_level="info"))
        server.run()
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        if services is not None:
            services.close()
        said = []
        for label, server in (("Redis", redis_server), ("PostgreSQL", pg)):
            if server is None:
                continue
            try:
                server.cleanup()
            except ServerError as e:  # one line, and the other server is still stopped
                said.append(f"{label} did not stop cleanly: {e}")
            else:
                said.append(getattr(server, "stop_note", None) or f"stopped {label}")
        print("; ".join(reversed(said)) or "nothing to stop", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
