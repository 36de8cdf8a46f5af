"""GET /health: each store's status (and the outbox relay's lag)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import ServicesDep

router = APIRouter(tags=["ops"])


@router.get("/health", responses={503: {"description": "every store is down (same body)"}})
def health(response: Response, svc: ServicesDep) -> dict:
    """Each store's status (and the outbox relay's lag). 200 unless every store is down."""
    report = svc.health()
    if not any(s["ok"] for s in report["stores"].values()):
        response.status_code = 503
    return report
