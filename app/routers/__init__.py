"""The API's routes, one module per resource, each with its ``router``. app/api.py includes every module here in
``ORDER`` (a module missing from it fails tests/app/test_app_routers.py)."""

# Path order in the OpenAPI document: health first, then catalog, carts, orders, recommendations, back office.
ORDER = ("health", "products", "carts", "orders", "recommendations", "backoffice")
