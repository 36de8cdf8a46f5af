"""The catalog: a product, and filtered / searched listings with facets (public routes)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Path, Query, Response

from ..catalog import PRODUCT_ID_RE, ListQuery, price_to_cents
from ..deps import ServicesDep
from ..errors import InvalidInput, NotFound
from ..schemas import ERRORS, PRICE_RE, SEARCH_MIN_WORD, Category

router = APIRouter(tags=["catalog"])


def listing_query(
    category: Category | None,
    certification: str | None,
    min_price: str | None,
    max_price: str | None,
    q: str | None,
    **rest: Any,
) -> ListQuery:
    """The listing's filters as /products and /products/search share them, checked the same way (400 naming the
    parameter): a search word of at least SEARCH_MIN_WORD letters or digits, prices in EUR, min not above max."""
    if q is not None and not re.search(rf"\w{{{SEARCH_MIN_WORD},}}", q):
        raise InvalidInput("q", f"must contain a word of at least {SEARCH_MIN_WORD} letters or digits", value=q)
    lo = price_to_cents("min_price", min_price)
    hi = price_to_cents("max_price", max_price)
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInput("min_price", f"must not exceed max_price ({min_price} > {max_price})", value=min_price)
    return ListQuery(
        category=category.value if category is not None else None,
        certification=certification,
        min_cents=lo,
        max_cents=hi,
        q=q,
        **rest,
    )


@router.get("/products/search", responses=ERRORS)
def search_products(
    svc: ServicesDep,
    q: str = Query(min_length=SEARCH_MIN_WORD, max_length=200, description="what the shopper is looking for"),
    mode: str = Query("hybrid", pattern=r"^(text|semantic|hybrid)$", description="text, semantic or hybrid (RRF)"),
    category: Category | None = Query(None, description="one of the catalog's categories"),
    certification: str | None = Query(None, min_length=1, max_length=100),
    min_price: str | None = Query(None, pattern=PRICE_RE, description="EUR, e.g. 4.99"),
    max_price: str | None = Query(None, pattern=PRICE_RE, description="EUR, e.g. 20"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=180),
) -> dict[str, Any]:
    """Products by meaning: text, semantic (the query's embedding against the products'; Atlas Vector Search, or
    an exact scan on a local store, named in ``engine``) or hybrid (reciprocal rank fusion of both)."""
    from ..search import CANDIDATES, search

    query = listing_query(category, certification, min_price, max_price, q, limit=limit, offset=offset)
    if offset + limit > CANDIDATES:
        raise InvalidInput("offset", f"offset + limit must not exceed {CANDIDATES} (ranked candidates)", value=offset)
    result = search(svc.catalog, query, mode)
    return {
        "mode": result.mode,
        "engine": result.engine,
        "total": result.total,
        "limit": limit,
        "offset": offset,
        "items": result.items,
    }


@router.get("/products/{product_id}", responses=ERRORS)
def get_product(response: Response, svc: ServicesDep, product_id: str = Path(pattern=PRODUCT_ID_RE)) -> dict[str, Any]:
    """A product (through the Redis cache; straight from MongoDB when Redis is down)."""
    doc, source = svc.product_cache.get_or_load(product_id, lambda: svc.catalog.get_public(product_id))
    response.headers["X-Cache"] = {"cache": "HIT", "store": "MISS"}.get(source, "BYPASS")
    if doc is None:
        raise NotFound("product", product_id)
    return doc


@router.get("/products", responses=ERRORS)
def list_products(
    svc: ServicesDep,
    category: Category | None = Query(None, description="one of the catalog's categories"),
    certification: str | None = Query(None, min_length=1, max_length=100),
    min_price: str | None = Query(None, pattern=PRICE_RE, description="EUR, e.g. 4.99"),
    max_price: str | None = Query(None, pattern=PRICE_RE, description="EUR, e.g. 20"),
    # No `pattern` here: JSON Schema's regular expressions are ECMA-262's, where \w is ASCII only, while a search
    # word may be any letters ("thé", "Öko"); the handler checks it (400) with Unicode's \w.
    q: str | None = Query(
        None,
        min_length=SEARCH_MIN_WORD,
        max_length=200,
        description=f"text search; needs a word of at least {SEARCH_MIN_WORD} letters or "
        "digits, any script (punctuation and single letters are ignored)",
    ),
    sort: str = Query("relevance", pattern=r"^(relevance|price_asc|price_desc|rating|name)$"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=10_000),
) -> dict[str, Any]:
    """Filter by category, certification (currently valid) and price range, or search text; with facet counts."""
    return svc.catalog.list_products(
        listing_query(category, certification, min_price, max_price, q, limit=limit, offset=offset, sort=sort)
    )
