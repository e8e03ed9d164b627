"""`create_site(system)`: the public pages and feeds; `create_server(system)`: what
`yimai serve` serves, the site at `/` and the HTTP API under `/api`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import InvalidInputError, NotFoundError
from projections.system import System
from web.render import render_error
from web.routes import checkpoints, claims, home, open311, outcomes, rankings, receipts, statistics

STATIC = Path(__file__).parent / "static"
#: The API's prefix on the server; the site owns every other path.
API_PREFIX = "/api"
#: English pages live under this prefix; Chinese, the default, has none.
EN_PREFIX = "/en"

SECURITY_HEADERS = {
    # No script, no frame, nothing from elsewhere: the site is plain pages.
    "content-security-policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'; img-src 'self' data:; "
        "style-src 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class LanguagePrefix:
    """Reads `/en/...` as the English page of `...`: the prefix leaves the path and the
    language goes into the request's state, so each route is written once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            lang = "zh"
            if path == EN_PREFIX or path.startswith(EN_PREFIX + "/"):
                lang = "en"
                scope = {**scope, "path": path[len(EN_PREFIX) :] or "/"}
                scope["raw_path"] = scope["path"].encode()
            scope.setdefault("state", {})["lang"] = lang
            if scope["path"] == API_PREFIX or scope["path"].startswith(API_PREFIX + "/"):
                await self.app(scope, receive, send)  # the API sets its own headers
                return
            # HEAD is GET without the body (link checkers and `curl -I` ask it).
            head = scope["method"] == "HEAD"
            if head:
                scope = {**scope, "method": "GET"}

            ended = False

            async def send_with_headers(message: Any) -> None:
                nonlocal ended
                if head and message["type"] == "http.response.body":
                    if ended:  # the body's later parts: nothing more to send
                        return
                    ended = True
                    message = {"type": "http.response.body", "body": b"", "more_body": False}
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    present = {k.decode().lower() for k, _ in headers}
                    for key, value in SECURITY_HEADERS.items():
                        if key not in present:
                            headers.append((key.encode(), value.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send)


def _is_feed(request: Request) -> bool:
    path = request.url.path
    return path.endswith((".json", ".csv")) or path.startswith("/open311/")


def create_site(system: System) -> FastAPI:
    """The public site alone (no API): pages, feeds, the Open311 view, static files."""
    site = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    site.state.system = system
    for module in (home, outcomes, rankings, claims, statistics, receipts, checkpoints, open311):
        site.include_router(module.router)
    site.mount("/static", StaticFiles(directory=STATIC), name="static")

    @site.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> Response:
        return _error(request, 404, "error.not_found")

    @site.exception_handler(InvalidInputError)
    async def invalid(request: Request, error: InvalidInputError) -> Response:
        if error.field in request.path_params and error.field.endswith("id"):
            # A malformed record id in the path names no page: not found.
            return _error(request, 404, "error.not_found")
        # The field's name and the rule only: never the value, which may be anything.
        return _error(request, 422, "error.invalid", field=error.field, reason=error.reason)

    @site.exception_handler(RequestValidationError)
    async def bad_query(request: Request, error: RequestValidationError) -> Response:
        # FastAPI's own answer repeats the value given; this names the field only.
        first = error.errors()[0] if error.errors() else {"loc": ("query",)}
        field = str(first["loc"][-1])
        return _error(request, 422, "error.bad_value", field=field)

    @site.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        key = "error.not_found" if error.status_code == 404 else "error.other"
        return _error(request, error.status_code, key)

    return site


def _error(request: Request, status: int, key: str, **values: Any) -> Response:
    if _is_feed(request):
        body: dict[str, Any] = {"detail": key.split(".", 1)[1].replace("_", " ")}
        if "field" in values:
            reason = values.get("reason", "is not a valid value")
            body = {"detail": f"{values['field']}: {reason}", "field": values["field"]}
        return JSONResponse(body, status_code=status)
    page: HTMLResponse = render_error(request, status, key, **values)
    return page


def create_server(system: System) -> ASGIApp:
    """The site at `/` (and `/en/`), the HTTP API under `/api` (docs at `/api/docs`)."""
    from api.main import create_app

    site = create_site(system)
    site.mount(API_PREFIX, create_app(system))
    return LanguagePrefix(site)


def server_from_env() -> ASGIApp:
    """What each worker of `yimai serve --workers N` serves: the books opened from the
    environment (YIMAI_DATABASE_URL and the rest), following the log."""
    from projections.config import Settings
    from projections.system import open_system

    return create_server(open_system(Settings.from_env(), follow=True))
