"""A customer's carts (Redis hashes that expire 7 days after the last change)."""

from __future__ import annotations

from fastapi import APIRouter, Path

from ..auth import Principal
from ..deps import CustomerDep, ServicesDep
from ..errors import NotFound, ProductUnavailable
from ..redis_stores import CartStore
from ..schemas import AUTH_ERRORS, BODY_ERRORS, CART_ID_RE, ERRORS, CartItemIn, CartLineOut, CartOut, ErrorOut
from ..services import Services

router = APIRouter(tags=["carts"])


def cart_key(who: Principal, cart_id: str) -> str:
    """Carts live under their customer: another customer's cart id is simply not found."""
    return f"c{who.customer_id}.{cart_id}"


def cart_view(svc: Services, cart_id: str, who: Principal) -> CartOut:
    key = cart_key(who, cart_id)
    lines = svc.carts.get(key)
    if not lines:
        raise NotFound("cart", cart_id)
    found = svc.catalog.lookup_skus(lines)
    items = []
    for sku, qty in sorted(lines.items()):
        if sku not in found:
            continue  # withdrawn from the catalog since it was added
        doc, variant = found[sku]
        unit = doc["price"]["amount_cents"]
        items.append(
            CartLineOut(
                sku=sku,
                product_id=doc["_id"],
                name=doc["name"],
                quantity=qty,
                variant={k: variant[k] for k in ("size", "colour") if k in variant} if variant else None,
                unit_price_cents=unit,
                line_total_cents=unit * qty,
            )
        )
    return CartOut(
        cart_id=cart_id,
        items=items,
        total_cents=sum(i.line_total_cents for i in items),
        currency="EUR",
        expires_in_seconds=max(svc.carts.ttl_of(key), 0),
    )


@router.post(
    "/carts/{cart_id}/items",
    status_code=201,
    responses={
        **BODY_ERRORS,
        **AUTH_ERRORS,
        409: {
            "model": ErrorOut,
            "description": "the SKU is not for sale (product_unavailable), or the cart already holds what it may: "
            f"{CartStore.MAX_PER_LINE} units of one SKU, {CartStore.MAX_LINES} SKUs (cart_limit_reached)",
        },
    },
    response_model=CartOut,
)
def add_to_cart(
    item: CartItemIn, svc: ServicesDep, who: CustomerDep, cart_id: str = Path(pattern=CART_ID_RE)
) -> CartOut:
    """Add units of a SKU to a cart (a Redis hash that expires 7 days after the last change)."""
    doc, _ = svc.catalog.find_by_sku(item.sku)  # 404 naming the SKU if it is not in the catalog
    if not doc.get("active", False):
        raise ProductUnavailable(item.sku)  # 409 now, not at order time
    svc.carts.add(cart_key(who, cart_id), item.sku, item.quantity)
    return cart_view(svc, cart_id, who)


@router.get("/carts/{cart_id}", responses={**ERRORS, **AUTH_ERRORS}, response_model=CartOut)
def get_cart(svc: ServicesDep, who: CustomerDep, cart_id: str = Path(pattern=CART_ID_RE)) -> CartOut:
    return cart_view(svc, cart_id, who)
