"""Open311 GeoReport v2, read only: the service discovery, the request categories as
services, and the published requests (公开晒单), in JSON and XML, so existing civic
apps can read the public ledger. The mapping and the choices made where the
specification leaves room are in `web.open311`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.errors import NotFoundError
from web import open311 as spec
from web.render import lang_of, public_of, system_of, url_in

router = APIRouter()

BASE = "/open311/v2"
#: Any site may read these documents from a browser: they hold only what the public
#: ledger publishes, and no cookie or login is involved.
OPEN_TO_ANY_SITE = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "Link, X-Total-Count",
}


def _params(request: Request) -> spec.Params:
    query = request.query_params
    return {name: query.getlist(name) for name in query}


def _answer(
    fmt: str, root: str, value: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    if fmt == "xml":
        body = spec.to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(
        body,
        status_code=status,
        media_type=spec.FORMATS[fmt],
        headers={**OPEN_TO_ANY_SITE, **(headers or {})},
    )


def _error(fmt: str, error: spec.Open311Error, lang: str) -> Response:
    headers = {"allow": "GET"} if error.code == 405 else None
    return _answer(fmt, "errors", error.errors(lang), error.code, headers)


def _format(fmt: str) -> str:
    if fmt not in spec.FORMATS:
        raise spec.Open311Error(404, "error.no_such")
    return fmt


def _discovery(request: Request, fmt: str) -> Response:
    lang = lang_of(request)
    try:
        fmt = _format(fmt)
        lang = spec.language(_params(request), lang)
    except spec.Open311Error as error:
        return _error("json" if fmt not in spec.FORMATS else fmt, error, lang)
    basis = public_of(request).basis()
    endpoint = str(request.base_url).rstrip("/") + BASE
    document = spec.discovery(endpoint, basis.made_at if basis else None, lang)
    return _answer(fmt, "discovery", document)


@router.get(BASE + "/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    """The service discovery (the specification's own, under the v2 endpoint)."""
    return _discovery(request, fmt)


@router.get("/open311/discovery.{fmt}")
def discovery_root(request: Request, fmt: str) -> Response:
    """The same, where the discovery specification wants it (a URL ending /discovery)."""
    return _discovery(request, fmt)


@router.get(BASE + "/services.{fmt}")
def services(request: Request, fmt: str) -> Response:
    """The request categories as services, in the catalogue's order."""
    lang = lang_of(request)
    try:
        fmt = _format(fmt)
        lang = spec.language(_params(request), lang)
    except spec.Open311Error as error:
        return _error("json" if fmt not in spec.FORMATS else fmt, error, lang)
    items = [spec.service(c, lang) for c in public_of(request).categories()]
    return _answer(fmt, "services", items)


@router.get(BASE + "/requests.{fmt}")
def requests(request: Request, fmt: str) -> Response:
    """Published requests, newest published first, a page at a time."""
    lang = lang_of(request)
    system = system_of(request)
    tz = system.settings.tzinfo
    try:
        fmt = _format(fmt)
        params = _params(request)
        lang = spec.language(params, lang)
        query = spec.requests_query(params, tz)
    except spec.Open311Error as error:
        return _error("json" if fmt not in spec.FORMATS else fmt, error, lang)
    found, total = spec.find_requests(system.requests, query)
    items = [spec.service_request(o, lang, tz) for o in found]
    headers = {"x-total-count": str(total)}
    if query.ids is None:
        links = _page_links(request, query, total)
        if links:
            headers["link"] = ", ".join(links)
    return _answer(fmt, "service_requests", items, headers=headers)


def _page_links(request: Request, query: spec.RequestsQuery, total: int) -> list[str]:
    """The neighbouring pages, as RFC 8288 links with the same parameters."""
    base = str(request.base_url).rstrip("/")
    asked = dict(request.query_params)

    def link(page: int, rel: str) -> str:
        target = url_in(lang_of(request), request.url.path, **{**asked, "page": page})
        return f'<{base}{target}>; rel="{rel}"'

    found = []
    if query.offset + query.page_size < total:
        found.append(link(query.page + 1, "next"))
    if query.page > 1:
        found.append(link(query.page - 1, "prev"))
    return found


@router.get(BASE + "/requests/{request_id}.{fmt}")
def one_request(request: Request, request_id: str, fmt: str) -> Response:
    """One published request, as a list of one (as the specification answers)."""
    lang = lang_of(request)
    tz = system_of(request).settings.tzinfo
    try:
        fmt = _format(fmt)
        lang = spec.language(_params(request), lang)
        try:
            outcome = system_of(request).requests.public_outcome(request_id)
        except (NotFoundError, ValueError):
            # An id that is not published, or that cannot be one: the same answer.
            raise spec.Open311Error(404, "error.not_found") from None
    except spec.Open311Error as error:
        return _error("json" if fmt not in spec.FORMATS else fmt, error, lang)
    return _answer(fmt, "service_requests", [spec.service_request(outcome, lang, tz)])


@router.api_route("/open311/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def anything_else(request: Request, rest: str) -> Response:
    """Any other path or method under /open311/: the specification's error form (this
    view takes no new requests: POST is refused like any other write)."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    if request.method != "GET":
        return _error(fmt, spec.Open311Error(405, "error.method"), lang_of(request))
    return _error(fmt, spec.Open311Error(404, "error.no_such"), lang_of(request))
