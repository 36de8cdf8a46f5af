"""Serving the API with uvicorn where nothing stands in front of it (``make app``, a container): request headers
are bounded before they are read whole.

uvicorn's httptools protocol (its default when httptools is installed) buffers a header of any size: one 50 MB
header stalled a concurrent product read for 6.6 s, 100 MB was read whole and answered after 35 s. Here the bytes
of a request's head are counted as they arrive; once more than ``MAX_HEADER_BYTES`` have arrived and the head is
still not complete, the server answers **431** with the app's JSON error and closes the connection, without
reading the rest. On Lambda, API Gateway bounds them itself: "total combined size of request line and header
values: 10240 bytes" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).

Run it as ``python -m app.server [--host H] [--port P] [--workers N]``, or pass
``--http app.server:BoundedHeadersProtocol`` to the uvicorn command line.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The URL and every header name and value together, in bytes (MAX_REQUEST_HEADER_BYTES). 16 KiB: Node.js's default,
# above API Gateway HTTP API's 10 KB (so what Lambda serves, this serves); a Cognito bearer token is about 1 KB.
MAX_HEADER_BYTES = 16 * 1024


def max_header_bytes(env: Any = None) -> int:
    from .settings import SettingsError

    env = os.environ if env is None else env
    raw = env.get("MAX_REQUEST_HEADER_BYTES") or ""
    if not raw:
        return MAX_HEADER_BYTES
    if not raw.isascii() or not raw.isdigit() or not 1024 <= int(raw) <= 1024 * 1024:
        raise SettingsError(f"MAX_REQUEST_HEADER_BYTES={raw[:20]!r} is not allowed (allowed: 1024..1048576 bytes)")
    return int(raw)


@functools.cache
def _configured_limit() -> int:
    """Read once per process (also in each uvicorn worker process, which imports this module afresh)."""
    return max_header_bytes()


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing: the 431 has been sent."""


class BoundedHeadersProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the request head (431 above it).

    The head's size is the URL plus every header name and value, in bytes. Two checks: a complete head is
    measured before the app sees the request; an incomplete one is refused as soon as more bytes than the limit
    have arrived for it (every byte that arrives while the head is incomplete belongs to it), so a flood is cut
    off after one read past the limit (asyncio reads up to 256 KiB) instead of being buffered whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = _configured_limit()
        self._head_bytes = 0
        self._in_head = True
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.limit and not self._refused:
            self._refuse()

    def on_headers_complete(self) -> None:
        self._in_head = False
        if len(self.url) + sum(len(name) + len(value) for name, value in self.headers) > self.limit:
            self._refuse()
            raise _HeadTooLarge  # stops the parser; uvicorn turns it into send_400_response, silenced below
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # keep-alive: the next request's head starts here

    def send_400_response(self, msg: str) -> None:
        if not self._refused:
            super().send_400_response(msg)

    def _refuse(self) -> None:
        self._refused = True
        body = json.dumps(
            {
                "error": {
                    "code": "request_header_fields_too_large",
                    "message": f"request URL and headers over {self.limit} bytes",
                }
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"connection: close\r\n" + f"content-length: {len(body)}\r\n\r\n".encode() + body
        )
        self.transport.close()


def config(app: Any, **kwargs: Any) -> Any:
    """A ``uvicorn.Config`` for ``app`` with the bounded-headers protocol (and the limit from the environment)."""
    import uvicorn

    _configured_limit()  # a bad MAX_REQUEST_HEADER_BYTES fails here, at start-up, not at the first request
    return uvicorn.Config(app, http=BoundedHeadersProtocol, **kwargs)


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from .settings import SettingsError

    p = argparse.ArgumentParser(prog="python -m app.server", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    args = p.parse_args(argv)
    try:
        max_header_bytes()
    except SettingsError as e:
        print(f"app.server: {e}", file=sys.stderr)
        return 2
    uvicorn.run(
        "app.api:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        http="app.server:BoundedHeadersProtocol",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
