"""HTTP plumbing below the routes: the body guard (413/415 before a body is parsed) and header decoding."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

MAX_BODY_BYTES = 64 * 1024  # request bodies above this are refused (413) before they are read or parsed
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyGuard:
    """ASGI middleware: a body over MAX_BODY_BYTES is 413 and a body that is not ``application/json`` is 415,
    both decided before the body is parsed (the declared Content-Length first, then the bytes as they stream)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await self._reject(
                send,
                413,
                "payload_too_large",
                f"request body over {MAX_BODY_BYTES} bytes (Content-Length {length[:20]})",
            )
            return
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json" and (length not in (None, "0") or "transfer-encoding" in headers):
            await self._reject(
                send,
                415,
                "unsupported_media_type",
                f"Content-Type must be application/json, got {media or '(none)'!r}"[:120],
            )
            return
        # Read the body here, at most MAX_BODY_BYTES of it, then hand it to the app: the limit holds for a body
        # without Content-Length (chunked) too, and nothing downstream ever sees more than the limit.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(b"", message), send)  # the client went away: let the app see it
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                await self._reject(send, 413, "payload_too_large", f"request body over {MAX_BODY_BYTES} bytes")
                return
        await self.app(scope, _replay(body, None), send)

    @staticmethod
    async def _reject(send: Any, status: int, code: str, message: str) -> None:
        await JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})(
            {"type": "http"}, None, send
        )


def _replay(body: bytes, final: dict | None) -> Any:
    """An ASGI ``receive`` that delivers ``body`` once, then ``final`` (or a disconnect) like the server would."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return final if final is not None else {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def header_text(raw: str | None) -> str | None:
    """A header value as the client wrote it: ASGI hands headers over as latin-1, clients send UTF-8."""
    if raw is None:
        return None
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw
