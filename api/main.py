"""The FastAPI application: `create_app(system)` wires routers, errors and guards."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.middleware import BodyLimitMiddleware, redact_access_log
from api.routes import (
    accounts,
    activities,
    adjustments,
    audit,
    auth,
    categories,
    households,
    links,
    members,
    needs,
    objections,
    periods,
    personal,
    point_rules,
    points,
    public,
    requests,
    resident_units,
    seal,
    selections,
    status,
    supervision,
    units,
    wishes,
)
from api.schemas import ErrorPublic, ValidationErrorPublic
from projections.system import System

DESCRIPTION = """\
Yimai (一脉): the audit-grade ledger of a community's service work.

Log in at `POST /auth/token` for a bearer token. Every command answers with a receipt
`{id, position}`; pass `position` as `min_position` to a query to read your own write.
Errors answer `{"detail": ...}` and name the `field` (422) or the `rule` (409) broken.
`/public/...` (published outcomes, never personal data) and `/status` need no token.
"""

TAGS = [
    {"name": "auth", "description": "Log in, see and change one's own account."},
    {"name": "accounts", "description": "Staff accounts and roles (admin)."},
    {
        "name": "audit",
        "description": "Looking back: records as of a version or a day, per-account trails, "
        "the roster, board and points as of a day, diffs between days, replay.",
    },
    {"name": "units", "description": "The organization tree and its appointments."},
    {"name": "members", "description": "Party members on the roster."},
    {"name": "resident units", "description": "Agencies and enterprises in a community."},
    {"name": "households", "description": "Households served by 3+N links."},
    {"name": "links", "description": "Member–household links and their contact log."},
    {"name": "categories", "description": "The catalogue of request categories and limits."},
    {
        "name": "requests",
        "description": "Residents' requests (the four orders): place, sort, claim, resolve, "
        "supervise, visit back, publish; the board, a request and its history.",
    },
    {
        "name": "supervision",
        "description": "The supervision queue, claimants' workload and request statistics.",
    },
    {"name": "wishes", "description": "Micro-wishes posted for residents and claimed by members."},
    {"name": "needs", "description": "Alliance needs listed by the committee for resident units."},
    {
        "name": "point rules",
        "description": "The points catalogue: points, star and yearly cap per rule, "
        "versioned by the date each version takes effect (admin keeps it).",
    },
    {
        "name": "points",
        "description": "Awards; a member's ledger, totals and star level of a year; why a "
        "total is what it is; rankings by year or quarter, community or branch.",
    },
    {
        "name": "activities",
        "description": "Themed party days, volunteer services and study sessions; their "
        "attendance awards every attendee at once.",
    },
    {
        "name": "adjustments",
        "description": "Deductions and reversals: one person proposes, another approves "
        "or rejects; the pending-approval queue.",
    },
    {
        "name": "periods",
        "description": "Years of points: close into the publicity window (公示期), then finalize.",
    },
    {
        "name": "objections",
        "description": "Members' objections in the publicity window: file, uphold with a "
        "correction, or reject; the objection queue.",
    },
    {
        "name": "selections",
        "description": "The year's excellent members: propose from the standings, confirm, "
        "publish.",
    },
    {
        "name": "public",
        "description": "Published outcomes of requests, wishes and needs, a closed year's "
        "rankings and the published selection (no token; no personal data; names masked).",
    },
    {
        "name": "personal data",
        "description": "Contact details shown in clear, each showing recorded (who looked, "
        "at whom, why); erasure of a person (admin); who looked at whom (audit).",
    },
    {"name": "status", "description": "Health and read-model progress (no token)."},
    {"name": "seal", "description": "Signed checkpoints, proofs and evidence bundles (audit)."},
]

#: What the error handlers (api.errors) answer, for the docs.
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid token, or a disabled account"},
    403: {"model": ErrorPublic, "description": "The account's roles do not allow this"},
    404: {"model": ErrorPublic, "description": "No such record"},
    409: {"model": ErrorPublic, "description": "A rule forbids it now; `rule` names it"},
    413: {"model": ErrorPublic, "description": "The body is too large"},
    422: {"model": ValidationErrorPublic, "description": "Malformed input; `field` names it"},
    429: {"model": ErrorPublic, "description": "Too many failed logins; see Retry-After"},
    503: {"model": ErrorPublic, "description": "Database busy; try again"},
}

#: What the tokenless public routes may answer.
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {code: ERRORS[code] for code in (404, 422, 503)}


def create_app(system: System) -> FastAPI:
    """An app serving `system`; it holds no state of its own."""
    app = FastAPI(
        title="Yimai API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url="/docs",
    )
    app.state.system = system
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=system.settings.max_body_bytes)
    for router in (
        auth.router,
        accounts.router,
        units.router,
        members.router,
        resident_units.router,
        households.router,
        links.router,
        categories.router,
        requests.router,
        requests.receipts,
        supervision.router,
        wishes.router,
        needs.router,
        point_rules.router,
        points.router,
        activities.router,
        adjustments.router,
        periods.router,
        objections.router,
        selections.router,
        audit.router,
        seal.router,
        personal.router,
    ):
        app.include_router(router, responses=ERRORS)
    app.include_router(public.router, responses=PUBLIC_ERRORS)
    app.include_router(status.router)
    redact_access_log()
    return app
