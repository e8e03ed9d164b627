"""Open311 GeoReport v2, read only, over the public ledger: what a civic app may read of
the published outcomes (公开晒单), field by field.

A published request becomes a GeoReport service request; a request category becomes a
service. Nothing here reads anything the public ledger does not already publish: the
items come from `system.requests.public_ledger` / `public_outcome` (themselves built
from an allowlist) and are mapped through another allowlist, `REQUEST_FIELDS`. The
resident's own words, the receipt code, who placed the request, the building, any
coordinate or photo, any account or device never reach this view.

Choices made where the specification leaves room (http://wiki.open311.org/GeoReport_v2):

- Language: `lang=zh` (the default) or `lang=en`; `locale` is read too (`en`,
  `en-US`, `zh_CN`: its first part), and the site's `/en/` prefix means English.
  Category names, descriptions and error texts follow it; the approved summaries and
  the place names are Chinese only.
- Dates: the public ledger publishes days, not times (a time of day could point at a
  person), so `requested_datetime` and `updated_datetime` are the start of the day at
  the station, and `start_date` / `end_date` are compared by day at the station: a time
  of day in them is dropped, both ends included.
- Paging: `page` (from 1) and `page_size` (1 to 100, 50 by default), the GeoReport
  paging extension's names. The body stays the specification's plain list; a client
  learns of more pages from the `Link` header (`rel="next"`, `rel="prev"`, RFC 8288)
  and the total from `X-Total-Count`. Without dates the whole ledger is listed, a page
  at a time (instead of the specification's last 90 days, capped at 1,000).
- Errors: HTTP 400 (404 for an unknown request) with the specification's list of
  `{"code", "description"}`; the description names the parameter, never its value.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any
from uuid import UUID

from domain.errors import NotFoundError
from projections.queries import allow
from projections.requests import FIRST_YEAR, LAST_YEAR, SQLAlchemyRequestsView

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When this view's list of endpoints was last defined; the discovery's changeset is
#: this or the latest signed checkpoint, whichever is later (every change to the
#: categories is an event, and the next checkpoint covers it).
DEFINED_AT = datetime(2026, 11, 26, tzinfo=UTC)

#: What a service request shows: exactly these, in this order.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
)
#: What a service (a request category) shows.
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
DISCOVERY_FIELDS = ("changeset", "contact", "key_service", "endpoints")
ENDPOINT_FIELDS = ("specification", "url", "changeset", "type", "formats")

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
LANGS = ("zh", "en")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
#: The most ids one `service_request_id` may list.
MAX_IDS = MAX_PAGE_SIZE
#: The longest value any parameter may have (a hundred ids, comma separated).
MAX_VALUE = 4000
#: A category code: as the catalogue defines them.
MAX_CODE = 32

TEXT: dict[str, tuple[str, str]] = {
    "contact": (
        "请联系所在社区的党群服务站。",
        "Contact your community's party and people's service station.",
    ),
    "key_service": (
        "只读接口，无需密钥。",
        "This view is read only; no key is needed.",
    ),
    "service.description": (
        "居民提出的“{name}”类诉求；办理结果经审核后公开。",
        "Residents' requests in the category “{name}”; the outcome is published once approved.",
    ),
    "service.group": ("群众诉求", "Residents' requests"),
    "error.repeated": ("参数 {field} 只能给出一次。", "{field} may be given only once."),
    "error.too_long": ("参数 {field} 太长。", "{field} is too long."),
    "error.lang": ("参数 {field} 只能是 zh 或 en。", "{field} must be zh or en."),
    "error.date": (
        "参数 {field} 应为 ISO 8601 日期或时间，如 2026-03-01 或 2026-03-01T00:00:00+08:00。",
        "{field} must be an ISO 8601 date or date and time, like 2026-03-01 or "
        "2026-03-01T00:00:00+08:00.",
    ),
    "error.year": (
        f"参数 {{field}} 应在 {FIRST_YEAR}–{LAST_YEAR} 年之间。",
        f"{{field}} must be in the years {FIRST_YEAR}–{LAST_YEAR}.",
    ),
    "error.order": ("end_date 不能早于 start_date。", "end_date cannot be before start_date."),
    "error.status": (
        "参数 status 只能是 open 或 closed（多个用逗号分隔）。",
        "status must be open or closed (several separated by commas).",
    ),
    "error.page": ("参数 page 应为从 1 开始的页码。", "page must be a page number from 1."),
    "error.page_size": (
        f"参数 page_size 应为 1 到 {MAX_PAGE_SIZE}。",
        f"page_size must be from 1 to {MAX_PAGE_SIZE}.",
    ),
    "error.ids": (
        f"参数 service_request_id 最多列出 {MAX_IDS} 个（用逗号分隔）。",
        f"service_request_id lists at most {MAX_IDS} ids (separated by commas).",
    ),
    "error.service_code": (
        "参数 service_code 不是类别代码；代码见 services.json。",
        "service_code is not a category code; services.json lists them.",
    ),
    "error.not_found": (
        "没有这条已公开的诉求。",
        "There is no published request with this id.",
    ),
    "error.no_such": (
        "没有这个接口；可用的接口见 discovery.json。",
        "There is no such resource; discovery.json lists them.",
    ),
    "error.method": (
        "此接口只读，只接受 GET。",
        "This view is read only: only GET is accepted.",
    ),
}


def text(key: str, lang: str, **values: Any) -> str:
    zh, en = TEXT[key]
    chosen = en if lang == "en" else zh
    return chosen.format(**values) if values else chosen


class Open311Error(Exception):
    """An answer in the specification's error form: HTTP `code`, a description that
    names the parameter (never the value it was given)."""

    def __init__(self, code: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.code = code
        self.key = key
        self.values = values

    def errors(self, lang: str) -> list[dict[str, Any]]:
        return [{"code": self.code, "description": text(self.key, lang, **self.values)}]


# -- parameters --------------------------------------------------------------------------

Params = Mapping[str, Sequence[str]]


def _one(params: Params, name: str) -> str | None:
    """A parameter given at most once; None when absent or empty."""
    values = params.get(name) or []
    if len(values) > 1:
        raise Open311Error(400, "error.repeated", field=name)
    if not values or not values[0].strip():
        return None
    if len(values[0]) > MAX_VALUE:
        raise Open311Error(400, "error.too_long", field=name)
    return values[0].strip()


def _listed(params: Params, name: str) -> list[str]:
    """A comma-separated parameter (given once or more), its non-empty parts."""
    values = params.get(name) or []
    if sum(len(v) for v in values) > MAX_VALUE:
        raise Open311Error(400, "error.too_long", field=name)
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def language(params: Params, default: str) -> str:
    """`lang` (zh or en), else `locale` (its first part), else the site's language."""
    for name in ("lang", "locale"):
        value = _one(params, name)
        if value is not None:
            primary = value.replace("_", "-").split("-", 1)[0].lower()
            if primary not in LANGS:
                raise Open311Error(400, "error.lang", field=name)
            return primary
    return default if default in LANGS else LANGS[0]


def _day(params: Params, name: str, tz: tzinfo) -> date | None:
    """An ISO 8601 date or date and time as the day it is at the station. A time
    without an offset is read as the station's time."""
    value = _one(params, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        day = moment.astimezone(tz).date()
    except (ValueError, OverflowError):
        raise Open311Error(400, "error.date", field=name) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Open311Error(400, "error.year", field=name)
    return day


def _number(params: Params, name: str, low: int, high: int, default: int, key: str) -> int:
    value = _one(params, name)
    if value is None:
        return default
    if len(value) > 9 or not value.isascii() or not value.isdigit():
        raise Open311Error(400, key)
    if not low <= int(value) <= high:
        raise Open311Error(400, key)
    return int(value)


@dataclass(frozen=True)
class RequestsQuery:
    """What `GET requests` asks: by ids (then nothing else counts, as the
    specification says), or by category, placed days and status, a page at a time."""

    ids: tuple[UUID, ...] | None
    service_code: str | None
    start_day: date | None
    end_day: date | None
    statuses: frozenset[str]
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def requests_query(params: Params, tz: tzinfo) -> RequestsQuery:
    """The query `params` ask for, or an `Open311Error` naming the parameter that is
    not right."""
    ids = _listed(params, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(400, "error.ids")
        found: list[UUID] = []
        for value in ids:
            try:
                ident = UUID(value)
            except ValueError:
                continue  # no request has such an id: like an unknown one, not listed
            if ident not in found:
                found.append(ident)
        return RequestsQuery(tuple(found), None, None, None, frozenset(), 1, MAX_PAGE_SIZE)
    code = _one(params, "service_code")
    if code is not None and (len(code) > MAX_CODE or not code.isascii()):
        raise Open311Error(400, "error.service_code")
    start, end = _day(params, "start_date", tz), _day(params, "end_date", tz)
    if start is not None and end is not None and end < start:
        raise Open311Error(400, "error.order")
    statuses = {s.lower() for s in _listed(params, "status")}
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, "error.status")
    return RequestsQuery(
        ids=None,
        service_code=code.lower() if code else None,
        start_day=start,
        end_day=end,
        statuses=frozenset(statuses),
        page=_number(params, "page", 1, MAX_PAGE, 1, "error.page"),
        page_size=_number(
            params, "page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, "error.page_size"
        ),
    )


# -- reading the public ledger -----------------------------------------------------------


def find_requests(
    view: SQLAlchemyRequestsView, query: RequestsQuery
) -> tuple[list[dict[str, Any]], int]:
    """The published outcomes `query` asks for (newest published first, or in the order
    of the ids asked for) and how many there are in all."""
    if query.ids is not None:
        items = []
        for ident in query.ids:
            try:
                items.append(view.public_outcome(ident))
            except NotFoundError:
                continue
        return items, len(items)
    if query.statuses == {"open"}:
        # A published request is done: nothing in the public ledger is open.
        return [], 0
    found = view.public_ledger(
        category=query.service_code,
        placed_from=query.start_day,
        placed_to=query.end_day,
        offset=query.offset,
        limit=query.page_size,
    )
    return found.items, found.total


# -- the GeoReport documents -------------------------------------------------------------


def _start_of_day(day: date | None, tz: tzinfo) -> str | None:
    """The first instant of a day at the station, ISO 8601 with its offset
    (2026-03-05T00:00:00+08:00). Only the day is published: the time of day a resident
    came to the station or a summary was approved could help tell who it was."""
    if day is None:
        return None
    return datetime.combine(day, time(), tzinfo=tz).isoformat(timespec="seconds")


def service_request(outcome: Mapping[str, Any], lang: str, tz: tzinfo) -> dict[str, Any]:
    """A published outcome (an item of the public ledger) as a GeoReport request."""
    name = outcome["category_name_en" if lang == "en" else "category_name_zh"]
    values = {
        "service_request_id": str(outcome["id"]),
        # Only published requests are listed, and a published request is done.
        "status": "closed",
        "status_notes": outcome["summary"],
        "service_name": name or outcome["category"],
        "service_code": outcome["category"],
        # The summary the supervisor approved, never the resident's own description.
        "description": outcome["summary"],
        "agency_responsible": outcome["branch_name"],
        "requested_datetime": _start_of_day(outcome["placed_on"], tz),
        "updated_datetime": _start_of_day(outcome["published_on"], tz),
        # The community only: nothing below it is published.
        "address": outcome["community_name"],
    }
    return allow(REQUEST_FIELDS, values)


def service(category: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A request category (code and names) as a GeoReport service."""
    name = category["name_en" if lang == "en" else "name_zh"] or category["code"]
    values = {
        "service_code": category["code"],
        "service_name": name,
        "description": text("service.description", lang, name=name),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(dict.fromkeys((name, category["code"]))),
        "group": text("service.group", lang),
    }
    return allow(SERVICE_FIELDS, values)


def changeset(made_at: str | None) -> str:
    """The later of `DEFINED_AT` and a checkpoint's signing time, in UTC to the second."""
    moment = DEFINED_AT
    if made_at:
        signed = datetime.fromisoformat(made_at)
        if signed.tzinfo is None:
            signed = signed.replace(tzinfo=UTC)
        moment = max(moment, signed)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def discovery(endpoint_url: str, made_at: str | None, lang: str) -> dict[str, Any]:
    """The service discovery document: one production GeoReport v2 endpoint."""
    stamp = changeset(made_at)
    endpoint = {
        "specification": SPECIFICATION,
        "url": endpoint_url,
        "changeset": stamp,
        "type": "production",
        "formats": ["application/json", "text/xml"],
    }
    values = {
        "changeset": stamp,
        "contact": text("contact", lang),
        "key_service": text("key_service", lang),
        "endpoints": [allow(ENDPOINT_FIELDS, endpoint)],
    }
    return allow(DISCOVERY_FIELDS, values)


# -- XML ---------------------------------------------------------------------------------

#: The element of one member of a list, by the list's element.
_MEMBER = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list | tuple):
        member = _MEMBER[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, member), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` (a list of items or one mapping) as the specification's XML under `root`."""
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")
