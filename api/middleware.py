"""Request guards that sit in front of the routes: body size, and what access logs show."""

from __future__ import annotations

import logging
import re

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    """The body grew past the limit while it was being read (a chunked upload)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over `max_body_bytes` with 413 before anything parses them.

    A declared Content-Length is checked before the app runs; a body without one
    (chunked) is counted as it streams in, and reading stops at the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.strip().isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI re-raises an HTTPException met while reading a body.
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = BodyTooLargeError(self.max_body_bytes).detail
        response = JSONResponse(
            {"detail": detail}, status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


#: Path segments that are secrets of their own: the receipt code a resident keeps (in
#: the API's /receipts/ and the public site's /receipt/ and /en/receipt/).
_SECRET_SEGMENTS = re.compile(r"(/receipts?/)[^/?]+")


class RedactQueryStrings(logging.Filter):
    """Access-log lines keep the path but not the query (a search may be a name or phone)
    nor a receipt code in it (it opens a resident's request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, _query = args[2].partition("?")
            path = _SECRET_SEGMENTS.sub(r"\1[redacted]", path)
            record.args = (*args[:2], f"{path}?[redacted]" if sep else path, *args[3:])
        return True


def redact_access_log(name: str = "uvicorn.access") -> None:
    """Install the filter once on the server's access logger."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactQueryStrings) for f in logger.filters):
        logger.addFilter(RedactQueryStrings())
