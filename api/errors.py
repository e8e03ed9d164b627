"""The one place where errors become HTTP responses.

Bodies name the field or the rule, never a value that was sent: a name or a phone
number must not come back in an error, nor reach a log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy.exc
from eventsourcing import persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from domain.errors import (
    AuthenticationError,
    ConcurrencyError,
    DomainError,
    DuplicateError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ThrottledError,
)

log = logging.getLogger(__name__)

#: Checked in order; the first class an error is an instance of gives its status.
STATUS: Sequence[tuple[type[DomainError], int]] = (
    (InvalidInputError, 422),
    (RuleViolationError, 409),
    (NotFoundError, 404),
    (ConcurrencyError, 409),
    (PermissionDeniedError, 403),
    (AuthenticationError, 401),
    (ThrottledError, 429),
)

_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def domain_error_response(error: DomainError) -> JSONResponse:
    """The response for any error the domain raises on purpose."""
    status = next((code for cls, code in STATUS if isinstance(error, cls)), 400)
    body: dict[str, Any] = {"detail": error.message}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidInputError):
        body["field"] = error.field
    if isinstance(error, RuleViolationError):
        body["rule"] = error.rule
    if isinstance(error, DuplicateError):
        body["existing_id"] = error.existing_id
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, ThrottledError):
        headers["Retry-After"] = str(max(1, error.retry_after))
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "is not valid JSON"
    if kind.startswith("uuid"):
        return "is not a valid id"
    msg = str(error.get("msg", "is invalid"))
    sent = error.get("input")
    # Some messages quote what was sent; never echo it.
    if isinstance(sent, str) and sent and sent in msg:
        return "has an invalid value"
    return msg[:1].lower() + msg[1:]


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without the input (nor its context, which may quote it)."""
    out = []
    for e in errors:
        field = "body" if e.get("type") == "json_invalid" else _field_name(e.get("loc", ()))
        out.append(
            {
                "field": field,
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": _message(e),
                "type": e.get("type", ""),
            }
        )
    return out


async def _on_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return domain_error_response(error)


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = validation_errors(error.errors())
    detail = "; ".join(f"{e['field']}: {e['msg']}" for e in errors) or "the request is invalid"
    field = errors[0]["field"] if errors else "body"
    return JSONResponse({"detail": detail, "field": field, "errors": errors}, status_code=422)


async def _on_database_busy(request: Request, error: Exception) -> JSONResponse:
    # The driver's message may quote statement parameters: log only the kind.
    log.warning("database busy on %s %s: %s", request.method, request.url.path, type(error))
    return JSONResponse(
        {"detail": "database busy, try again"}, status_code=503, headers={"Retry-After": "1"}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register every mapping above on `app`."""
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(persistence.OperationalError, _on_database_busy)
    app.add_exception_handler(sqlalchemy.exc.OperationalError, _on_database_busy)
