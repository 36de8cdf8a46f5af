"""What the stack reads from the app itself, so the API's routes and the migrations trigger are never listed twice.

- **Routes**: one per operation in the app's OpenAPI document; an operation that declares the bearer security
  scheme (FastAPI adds it for every route that depends on the authenticated customer) gets the JWT authorizer,
  the others are public. A new endpoint in app/api.py becomes a route on the next deploy.
- **Migrations hash**: SHA-256 over the migration files' names and bytes; the migrations function runs on every
  deploy that changes it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from components.service import ServiceRoute


@lru_cache(maxsize=1)
def app_routes() -> tuple[ServiceRoute, ...]:
    from app.api import create_app
    from app.settings import Settings

    spec = create_app(settings=Settings()).openapi()
    return tuple(
        ServiceRoute(method=method.upper(), path=path, authorized=bool(op.get("security")))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    )


def migrations_hash() -> str:
    from app.db import MIGRATIONS_DIR

    h = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
