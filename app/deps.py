"""What a route depends on, as ``Annotated`` types (FastAPI's own layout): the services of this process and the
verified customer of the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import Authenticator, Principal, Staff
from .services import Services

bearer = HTTPBearer(
    auto_error=False,
    description="A JWT of the configured issuer (AUTH_ISSUER); on Lambda API "
    "Gateway's JWT authorizer verifies it first",
)


def get_services(request: Request) -> Services:
    """The services of this process (built on first use by the app factory, app/api.py)."""
    return request.app.state.get_services()


ServicesDep = Annotated[Services, Depends(get_services)]


def _authenticator(request: Request, svc: Services) -> Authenticator:
    state = request.app.state
    auth = getattr(state, "authenticator", None)
    if auth is None:
        auth = state.authenticator = Authenticator(svc.settings.auth)
    return auth


def current_customer(
    request: Request, svc: ServicesDep, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The verified customer of this request (401 otherwise); customer routes depend on it."""
    return _authenticator(request, svc).principal(request.headers, request.scope)


def current_staff(
    request: Request, svc: ServicesDep, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Staff:
    """The verified back-office member of this request (401 unverified, 403 not in the staff group)."""
    return _authenticator(request, svc).staff(request.headers, request.scope)


CustomerDep = Annotated[Principal, Depends(current_customer)]
StaffDep = Annotated[Staff, Depends(current_staff)]
