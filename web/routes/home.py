"""The home page: what the site holds, the latest outcomes and the latest checkpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from web.render import public_of, render, system_of

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    system = system_of(request)
    latest = system.requests.public_ledger(offset=0, limit=5)
    return render(
        request,
        "home.html",
        latest=latest.items,
        published=latest.total,
        basis=public_of(request).basis(),
    )


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request) -> HTMLResponse:
    """Every feed the site offers, for whoever builds on it."""
    return render(request, "feeds.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    """Browsers ask for /favicon.ico whatever the page says: the site's icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)
