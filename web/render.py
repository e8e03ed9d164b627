"""Rendering: one Jinja2 environment, the page context every template gets (language,
texts, links in the page's language, formats), pages of a list, and the feeds."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.errors import InvalidInputError
from projections.public import Basis, PublicView
from projections.system import System
from web.text import TEXT, text

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Rows of a page on the site, and the most a feed gives at once.
PER_PAGE = 20
MAX_PER_PAGE = 100


def system_of(request: Request) -> System:
    system: System = request.app.state.system
    return system


def public_of(request: Request) -> PublicView:
    return PublicView(system_of(request))


def lang_of(request: Request) -> str:
    return str(getattr(request.state, "lang", "zh"))


def url_in(lang: str, path: str, /, **query: Any) -> str:
    """A site path in a language (English under /en), with the query's non-empty values."""
    full = ("/en" if lang == "en" else "") + path
    pairs = {k: v for k, v in query.items() if v not in (None, "")}
    return full + ("?" + urlencode(pairs) if pairs else "")


@dataclass(frozen=True)
class Pager:
    """Page `page` (from 1) of `total` rows, `per_page` a page."""

    page: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(page: int | None) -> int:
    if page is None:
        return 1
    if page < 1 or page > 1_000_000:
        raise InvalidInputError("page", "must be a page number from 1")
    return page


def per_page_number(per_page: int | None, default: int = PER_PAGE) -> int:
    if per_page is None:
        return default
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError("per_page", f"must be from 1 to {MAX_PER_PAGE}")
    return per_page


def listed_id(
    field: str,
    value: str | None,
    listed: Iterable[Mapping[str, Any]],
    reason: str = "is not one of the listed places",
) -> UUID | None:
    """The id of one of the `listed` items (a community, a branch) given as a filter, or
    None for none; InvalidInputError naming `field` for anything else."""
    if not value:
        return None
    try:
        ident = UUID(value)
    except ValueError:
        raise InvalidInputError(field, reason) from None
    if ident not in {item["id"] for item in listed}:
        raise InvalidInputError(field, reason)
    return ident


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value[:10]
    return value.strftime("%Y-%m-%d")


def fmt_time(value: datetime | str | None, tz: tzinfo) -> str:
    """A moment (a checkpoint's signing, say) at the station, to the second, with its
    offset from UTC, so it reads the same wherever the reader is."""
    if value is None or value == "":
        return "—"
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"


def fmt_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _context(request: Request, *, keep_query: bool = True, **values: Any) -> dict[str, Any]:
    lang = lang_of(request)
    other = "en" if lang == "zh" else "zh"
    query = dict(request.query_params) if keep_query else {}

    def t(key: str, **kw: Any) -> str:
        return text(key, lang, **kw)

    def url(path: str, **q: Any) -> str:
        return url_in(lang, path, **q)

    def here(**changes: Any) -> str:
        """This page with some query values changed (None drops one)."""
        merged = {**query, **changes}
        return url_in(lang, request.url.path, **merged)

    def field_label(field: str) -> str:
        """What an input is called on the page (its code name if it has no label)."""
        return t(f"fieldname.{field}") if f"fieldname.{field}" in TEXT else field

    def invalid(field: str, reason: str) -> str:
        """Why an input was refused, in the page's language: a Chinese page never shows
        the code's English words (it says only which input, if they have no translation)."""
        if f"reason.{reason}" in TEXT:
            return t("error.invalid", field=field_label(field), reason=t(f"reason.{reason}"))
        if lang == "zh":
            return t("error.invalid_plain", field=field_label(field))
        return t("error.invalid", field=field_label(field), reason=reason)

    def feed(path: str) -> str:
        """A feed of this page's list: the same filters, from its first page."""
        return url_in("zh", path, **{k: v for k, v in query.items() if k != "page"})

    return {
        "lang": lang,
        "feed": feed,
        "field_label": field_label,
        "invalid": invalid,
        "t": t,
        "url": url,
        "here": here,
        "switch_url": url_in(other, request.url.path, **query),
        "path": request.url.path,
        "fmt_date": fmt_date,
        "fmt_percent": fmt_percent,
        "fmt_time": lambda value: fmt_time(value, system_of(request).settings.tzinfo),
        "min_count": public_of(request).min_count,
        **values,
    }


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    keep_query: bool = True,
    **values: Any,
) -> HTMLResponse:
    """A page: `template` with the page context and `values`."""
    html = env.get_template(template).render(_context(request, keep_query=keep_query, **values))
    return HTMLResponse(html, status_code=status_code)


def render_error(request: Request, status: int, key: str, **values: Any) -> HTMLResponse:
    """An error page; its links drop the query, which may hold whatever was typed."""
    return render(
        request,
        "error.html",
        status_code=status,
        keep_query=False,
        status=status,
        key=key,
        **values,
    )


def basis_dict(basis: Basis | None) -> dict[str, Any] | None:
    return None if basis is None else basis.to_dict()


def json_feed(
    request: Request,
    items: Sequence[Mapping[str, Any]],
    pager: Pager | None = None,
    *,
    pin: Mapping[str, Any] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A JSON feed: the items and, for a list, its page and the links to its neighbours
    (with the `pin`ned query values, e.g. the year a default chose, so that the next
    page is of the same list even if the default moves on meanwhile)."""
    body: dict[str, Any] = {"items": [_plain(dict(i)) for i in items]}
    if pager is not None:
        pinned = {k: str(v) for k, v in (pin or {}).items() if v is not None}
        query = {**dict(request.query_params), **pinned}
        path = request.url.path

        def link(page: int) -> str:
            return url_in("zh", path, **{**query, "page": page})

        body.update(
            total=pager.total,
            page=pager.page,
            per_page=pager.per_page,
            next=link(pager.page + 1) if pager.has_next else None,
            prev=link(pager.page - 1) if pager.has_prev else None,
        )
    body.update({k: _plain(v) for k, v in extra.items()})
    return JSONResponse(body)


def csv_feed(items: Iterable[Mapping[str, Any]], fields: Sequence[str], filename: str) -> Response:
    """A CSV feed of `fields` (UTF-8 with a byte-order mark, so spreadsheets read the
    Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for item in items:
        writer.writerow(["" if item.get(f) is None else _cell(item.get(f)) for f in fields])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: Any) -> str:
    if not isinstance(value, str):
        return str(_plain(value))
    # Text a spreadsheet would read as a formula is quoted as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "hex") and type(value).__name__ == "UUID":
        return str(value)
    return value
