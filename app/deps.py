"""What a route depends on, as ``Annotated`` types (FastAPI's own layout): the services of this process and the
verified customer of the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .auth import Authenticator, Principal
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


def current_customer(
    request: Request, svc: ServicesDep, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The verified customer of this request (401 otherwise); customer routes depend on it."""
    state = request.app.state
    auth = getattr(state, "authenticator", None)
    if auth is None:
        auth = state.authenticator = Authenticator(svc.settings.auth)
    return auth.principal(request.headers, request.scope)


CustomerDep = Annotated[Principal, Depends(current_customer)]
