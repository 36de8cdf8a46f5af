"""What the stack reads from the app itself, so the API's routes and the migrations trigger are never listed twice.

- **Routes**: one per operation in the app's OpenAPI document, generated into ``infra/app_routes.json`` (``ecomart
  docs --write``; a stale file fails the docs test). An operation that declares the bearer security scheme (FastAPI
  adds it for every route that depends on the authenticated customer) gets the JWT authorizer, the others are
  public. A new endpoint in app/api.py becomes a route on the next deploy after the file is regenerated.
- **Migrations hash**: SHA-256 over the migration files' names and bytes; the migrations function runs on every
  deploy that changes it.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from components.service import ServiceRoute

ROUTES_FILE = Path(__file__).with_name("app_routes.json")
# The app's migrations directory (app.db.MIGRATIONS_DIR; a test holds them equal). Named here so a preview does not
# import app.db and psycopg with it (0.2 s of CPU) to learn a path.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "app" / "migrations"


def routes_from_app() -> list[dict]:
    """The routes as the app declares them (imports the whole FastAPI app: fastapi, pymongo, redis, psycopg - 1.5 s
    of CPU that every preview paid; ``ecomart docs --write`` writes them to ``ROUTES_FILE`` instead, and the docs
    staleness test fails when the app and the file disagree)."""
    from app.api import create_app
    from app.settings import Settings

    spec = create_app(settings=Settings()).openapi()
    return [
        {"method": method.upper(), "path": path, "authorized": bool(op.get("security"))}
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def render_routes() -> str:
    return json.dumps(routes_from_app(), indent=2) + "\n"


@lru_cache(maxsize=1)
def app_routes() -> tuple[ServiceRoute, ...]:
    """The API's routes, from the generated ``app_routes.json`` (kept current by ``ecomart docs --write``)."""
    return tuple(ServiceRoute(**r) for r in json.loads(ROUTES_FILE.read_text(encoding="utf-8")))


def migrations_hash(directory: Path = MIGRATIONS_DIR) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.sql")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
