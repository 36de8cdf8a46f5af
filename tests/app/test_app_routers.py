"""The routes live one module per resource in app/routers, each with its router; the app includes every one."""

from __future__ import annotations

import importlib
import pkgutil

from app import routers
from app.api import create_app


def test_every_router_module_is_included_and_only_those():
    found = {m.name for m in pkgutil.iter_modules(routers.__path__)}
    assert set(routers.ORDER) == found, "add the new module to app/routers ORDER (its place in the API document)"
    spec = create_app().openapi()
    served = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for name in routers.ORDER:
        for route in importlib.import_module(f"app.routers.{name}").router.routes:
            for method in route.methods:
                assert (route.path, method) in served, (name, route.path, method)


def test_customer_routes_declare_the_bearer_scheme_and_public_ones_do_not():
    """Routes that depend on deps.CustomerDep carry the security scheme in the OpenAPI document: what the stack
    turns into the JWT authorizer (infra/app_contract.py)."""
    from platform_rules import PUBLIC_ROUTES

    spec = create_app().openapi()
    public = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m, op in ops.items() if not op.get("security")}
    assert public == set(PUBLIC_ROUTES)


def test_the_generated_route_contract_is_the_apps():
    """The stack reads the API's routes from infra/app_routes.json (importing the app cost every preview 1.5 s):
    a route added to, removed from or re-secured in the app without `ecomart docs --write` fails here."""
    from infra import app_contract

    committed = app_contract.ROUTES_FILE.read_text(encoding="utf-8")
    assert committed == app_contract.render_routes(), "infra/app_routes.json is stale: run `ecomart docs --write`"
    routes = {(r.method, r.path): r.authorized for r in app_contract.app_routes()}
    assert routes[("GET", "/health")] is False and routes[("POST", "/orders")] is True
