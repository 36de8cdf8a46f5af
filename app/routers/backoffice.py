"""The back office: EcoMart's staff hierarchy and fraud review (app/relationships.py, ADR 0028), inventory and
sales over time (app/timeseries.py, ADR 0029), for members of the staff group only (a verified token of the same
issuer whose groups hold AUTH_STAFF_GROUP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from fastapi import APIRouter, Path, Query

from .. import relationships as R
from .. import timeseries as T
from ..deps import ServicesDep, StaffDep
from ..schemas import (
    ERRORS,
    MAX_ID,
    STAFF_ERRORS,
    CategorySalesListOut,
    ChainOut,
    LevelsOut,
    PathOut,
    ReportsOut,
    RingsOut,
    SpanOut,
    StockOutsOut,
    TopSellersOut,
)

router = APIRouter(prefix="/backoffice", tags=["back office"])
EmployeeId = Path(gt=0, le=MAX_ID)


@router.get("/employees/{employee_id}/reports", response_model=ReportsOut, responses={**ERRORS, **STAFF_ERRORS})
def reports(
    svc: ServicesDep,
    _staff: StaffDep,
    employee_id: int = EmployeeId,
    max_depth: int | None = Query(None, ge=1, le=R.MAX_DEPTH, description="levels down (default: all)"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    """Everyone reporting to the employee, directly or not (current staff), nearest levels first."""
    with svc.pg() as conn:
        items, total = R.subordinates(conn, employee_id, max_depth, limit, offset)
    return {"manager_id": employee_id, "total": total, "items": [asdict(e) for e in items]}


@router.get("/employees/{employee_id}/chain", response_model=ChainOut, responses={**ERRORS, **STAFF_ERRORS})
def chain(svc: ServicesDep, _staff: StaffDep, employee_id: int = EmployeeId) -> dict:
    """The employee's management chain up to the root."""
    with svc.pg() as conn:
        return {"items": [asdict(e) for e in R.management_chain(conn, employee_id)]}


@router.get("/employees/{employee_id}/span", response_model=SpanOut, responses={**ERRORS, **STAFF_ERRORS})
def span(svc: ServicesDep, _staff: StaffDep, employee_id: int = EmployeeId) -> dict:
    """Span of control: direct reports, everyone under, and how many levels deep."""
    with svc.pg() as conn:
        return asdict(R.span_of_control(conn, employee_id))


@router.get("/fraud/rings", response_model=RingsOut, responses={**ERRORS, **STAFF_ERRORS})
def rings(
    svc: ServicesDep,
    _staff: StaffDep,
    min_size: int = Query(3, ge=2, le=10_000),
    limit: int = Query(50, ge=1, le=500),
) -> dict:
    """Groups of customers linked by shared payment fingerprints, devices or shipping addresses, largest first
    (fingerprints shared by more than 50 customers — lockers, shop terminals — link nobody)."""
    with svc.pg() as conn:
        return {"items": [asdict(r) for r in R.rings(conn, min_size=min_size, limit=limit)]}


@router.get("/fraud/path", response_model=PathOut, responses={**ERRORS, **STAFF_ERRORS})
def path(
    svc: ServicesDep,
    _staff: StaffDep,
    from_customer: int = Query(gt=0, le=MAX_ID, alias="from"),
    to_customer: int = Query(gt=0, le=MAX_ID, alias="to"),
    max_hops: int = Query(4, ge=1, le=8),
) -> dict:
    """The shortest chain of shared links between two customers, if one of at most ``max_hops`` exists."""
    with svc.pg() as conn:
        steps = R.path(conn, from_customer, to_customer, max_hops=max_hops)
    if steps is None:
        return {"found": False, "hops": None, "steps": []}
    return {"found": True, "hops": len(steps) - 1, "steps": [asdict(s) for s in steps]}


START = Query(description="ISO 8601 with a UTC offset, e.g. 2026-12-01T00:00:00Z")
END = Query(description="exclusive; at most 400 days after start")
BUCKET = Query("1h", pattern=r"^(15m|1h|6h|1d)$")


@router.get("/inventory/{product_id}/levels", response_model=LevelsOut, responses={**ERRORS, **STAFF_ERRORS})
def levels(
    svc: ServicesDep,
    _staff: StaffDep,
    start: dt.datetime = START,
    end: dt.datetime = END,
    bucket: str = BUCKET,
    product_id: int = Path(gt=0, le=MAX_ID),
) -> dict:
    """A product's stock level per time bucket (lowest, highest, last; summed over warehouses)."""
    with svc.pg() as conn:
        return {"product_id": product_id, "items": T.level_over_window(conn, product_id, start, end, bucket)}


@router.get("/inventory/stock-outs", response_model=StockOutsOut, responses={**ERRORS, **STAFF_ERRORS})
def stock_outs(
    svc: ServicesDep,
    _staff: StaffDep,
    start: dt.datetime = START,
    end: dt.datetime = END,
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Products and warehouses whose available stock reached zero in the period, earliest first."""
    with svc.pg() as conn:
        return {"items": T.stock_outs(conn, start, end, limit)}


@router.get("/sales/by-category", response_model=CategorySalesListOut, responses={**ERRORS, **STAFF_ERRORS})
def sales_by_category(
    svc: ServicesDep, _staff: StaffDep, start: dt.datetime = START, end: dt.datetime = END, bucket: str = BUCKET
) -> dict:
    """Units, revenue and order lines per category per time bucket."""
    with svc.pg() as conn:
        return {"items": T.sales_by_category(conn, start, end, bucket)}


@router.get("/sales/top-sellers", response_model=TopSellersOut, responses={**ERRORS, **STAFF_ERRORS})
def top_sellers(
    svc: ServicesDep,
    _staff: StaffDep,
    start: dt.datetime = START,
    end: dt.datetime = END,
    per_category: int = Query(3, ge=1, le=50),
) -> dict:
    """The best-selling products per category per UTC day."""
    with svc.pg() as conn:
        return {"items": T.top_sellers(conn, start, end, per_category)}
