"""回执查询: a resident types the code on their receipt and reads the request's public
status, and downloads the proof that it was recorded in the signed ledger.

`/receipt` is the form (and `/receipt?code=…`, what it submits, redirects to the
canonical `/receipt/K7Q-4MZ2`); `/receipt/{code}/proof.json` is the proof file. A code
that cannot be one shows the form again naming the field (422); a code no request has,
the form again saying so (404). The typed value goes back into the input only (escaped),
nowhere else in a page, and nothing here logs a code (it is what lets anyone read the
request's status).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from domain.errors import InvalidInputError, NotFoundError
from projections.public_receipts import MAX_INPUT, MILESTONES, PublicReceipts, normalize_code
from projections.requests import ENDED
from projections.seal import SealError
from web.render import lang_of, render, system_of, url_in

router = APIRouter()
log = logging.getLogger(__name__)

#: A receipt's answer is for whoever holds the code: no shared cache keeps it.
PRIVATE = {"cache-control": "no-store"}


def _receipts(request: Request) -> PublicReceipts:
    return PublicReceipts(system_of(request))


def _form(request: Request, typed: str, error: str | None, status: int) -> HTMLResponse:
    other = "en" if lang_of(request) == "zh" else "zh"
    page = render(
        request,
        "receipts/lookup.html",
        status_code=status,
        typed=typed[:MAX_INPUT],
        error=error,
        # The other language's form, empty: what was typed goes back into the input
        # only, not into a link.
        switch_url=url_in(other, "/receipt"),
    )
    page.headers.update(PRIVATE)
    return page


def _invalid(request: Request, typed: str, error: InvalidInputError) -> HTMLResponse:
    key = "receipts.error_required" if error.reason == "is required" else "receipts.error_invalid"
    return _form(request, typed, key, 422)


def _canonical(request: Request, code: str, suffix: str = "") -> RedirectResponse:
    return RedirectResponse(url_in(lang_of(request), f"/receipt/{code}{suffix}"), status_code=308)


def _steps(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The milestones in order, each with its day; one not reached is "not yet" only if
    it still may come: nothing after it was reached (an anonymous request is published
    with no follow-up) and the request has not ended."""
    days = [item[f"{name}_on"] for name in MILESTONES]
    last = max((i for i, day in enumerate(days) if day is not None), default=-1)
    ended = item["state"] in ENDED
    return [
        {"name": name, "on": day, "pending": day is None and i > last and not ended}
        for i, (name, day) in enumerate(zip(MILESTONES, days, strict=True))
    ]


@router.get("/receipt", response_class=HTMLResponse)
def receipt_form(request: Request, code: str | None = None) -> Response:
    if code is None:
        return _form(request, "", None, 200)
    try:
        normalized = normalize_code(code)
    except InvalidInputError as error:
        return _invalid(request, code, error)
    return RedirectResponse(url_in(lang_of(request), f"/receipt/{normalized}"), status_code=303)


@router.get("/receipt/{code}/proof.json")
def receipt_proof(request: Request, code: str) -> Response:
    normalized = normalize_code(code)  # a bad one: 422 naming `code`, as JSON
    if normalized != code:
        return _canonical(request, normalized, "/proof.json")
    receipts = _receipts(request)
    try:
        proof = receipts.proof(normalized)
    except SealError as error:
        # The sealed log disagrees with itself: `yimai verify` says where. The code stays
        # out of the log line (it is what lets anyone read the request's status).
        log.error("a receipt's proof could not be made: %s", error)
        return JSONResponse({"detail": "the proof cannot be made now"}, status_code=503)
    if proof is None:
        minutes = system_of(request).settings.checkpoint_minutes
        headers = {**PRIVATE, **({"retry-after": str(minutes * 60)} if minutes > 0 else {})}
        return JSONResponse(
            {"detail": "not covered by a signed checkpoint yet: ready after the next one"},
            status_code=404,
            headers=headers,
        )
    return JSONResponse(
        proof,
        headers={
            **PRIVATE,
            "content-disposition": f'attachment; filename="yimai-proof-{normalized}.json"',
        },
    )


@router.get("/receipt/{code}", response_class=HTMLResponse)
def receipt_page(request: Request, code: str) -> Response:
    try:
        normalized = normalize_code(code)
    except InvalidInputError as error:
        return _invalid(request, code, error)
    if normalized != code:
        return _canonical(request, normalized)
    receipts = _receipts(request)
    try:
        item = receipts.lookup(normalized)
        proof = receipts.proof_status(normalized)
    except NotFoundError:
        return _form(request, normalized, "receipts.not_found", 404)
    page = render(
        request,
        "receipts/status.html",
        item=item,
        steps=_steps(item),
        proof=proof,
        proof_url=f"/receipt/{normalized}/proof.json",
    )
    page.headers.update(PRIVATE)
    return page
