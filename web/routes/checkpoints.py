"""检查点 · 如何验证: the signed checkpoints of the ledger (the latest with a QR code to
keep it, every earlier one, a page each), the public key that checks them, consistency
proofs between them to download, and how a resident checks a proof with the stand-alone
verifier (served here too).

Nothing here signs: a public request never makes the sealer seal or sign a checkpoint
(`Sealer.checkpoint` is not called); the pages show what is signed already. A
checkpoint is shown field by field from `CHECKPOINT_FIELDS`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

import verifier.yimai_verify as yimai_verify
from domain.errors import InvalidInputError, NotFoundError
from projections.queries import allow
from projections.seal import SealError
from projections.seal import checkpoints as checkpoint_rows
from projections.system import System
from web.qr import qr_svg
from web.render import (
    PER_PAGE,
    Pager,
    csv_feed,
    json_feed,
    lang_of,
    page_number,
    per_page_number,
    render,
    system_of,
    url_in,
)
from web.text import text

router = APIRouter()

PageQuery = Annotated[int | None, Query()]

#: What the site shows of a checkpoint: all of it, and nothing else.
CHECKPOINT_FIELDS = ("tree_size", "root", "made_at", "signature", "key_id")
#: The stand-alone verifier, served as it is in the repository.
VERIFIER = Path(yimai_verify.__file__)
KEY_FILENAME = "yimai-public-key.pem"
#: The largest tree size a path may name (the verifier's own bound is 2**62).
MAX_TREE_SIZE = 2**62


# -- reading the checkpoints ---------------------------------------------------------
#
# The sealer's own `checkpoints()` reads every row; a list page reads one page of them.


def _checkpoint(row: Any) -> dict[str, Any]:
    item = allow(CHECKPOINT_FIELDS, row)
    item["tree_size"] = int(item["tree_size"])
    return item


def _select() -> sa.Select[Any]:
    return sa.select(*(checkpoint_rows.c[f] for f in CHECKPOINT_FIELDS))


def _count(system: System) -> int:
    with system.db.read.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(checkpoint_rows)).scalar()
    return int(found or 0)


def _newest_first(system: System, offset: int, limit: int) -> list[dict[str, Any]]:
    query = _select().order_by(checkpoint_rows.c.tree_size.desc()).offset(offset).limit(limit)
    with system.db.read.connect() as conn:
        return [_checkpoint(r) for r in conn.execute(query).mappings()]


def _of_size(system: System, size: int) -> dict[str, Any] | None:
    with system.db.read.connect() as conn:
        row = conn.execute(_select().where(checkpoint_rows.c.tree_size == size)).mappings()
        found = row.first()
    return None if found is None else _checkpoint(found)


def _neighbours(system: System, size: int) -> tuple[int | None, int | None]:
    """The tree sizes of the checkpoints just before and just after `size`."""
    sizes = checkpoint_rows.c.tree_size
    with system.db.read.connect() as conn:
        before = conn.execute(sa.select(sa.func.max(sizes)).where(sizes < size)).scalar()
        after = conn.execute(sa.select(sa.func.min(sizes)).where(sizes > size)).scalar()
    return (
        None if before is None else int(before),
        None if after is None else int(after),
    )


def _latest(system: System) -> dict[str, Any] | None:
    found = _newest_first(system, 0, 1)
    return found[0] if found else None


def _oldest_two(system: System) -> list[dict[str, Any]]:
    query = _select().order_by(checkpoint_rows.c.tree_size).limit(2)
    with system.db.read.connect() as conn:
        return [_checkpoint(r) for r in conn.execute(query).mappings()]


def _public_key(system: System) -> tuple[str, str] | None:
    """The public key (PEM) and its id, or None where this process has no signing key
    (the reason, which names a path, goes nowhere near a page)."""
    try:
        pem = system.seal.public_key_pem()
    except (SealError, OSError, ValueError):
        return None
    return pem, yimai_verify.public_key_id(pem)


def _size(field: str, value: str) -> int:
    """A checkpoint's tree size as a path names it."""
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_TREE_SIZE:
        raise InvalidInputError(field, "must be a checkpoint's number of events, from 1")
    return int(value)


def _existing(system: System, size: int) -> dict[str, Any]:
    found = _of_size(system, size)
    if found is None:
        raise NotFoundError("checkpoint", size)
    return found


def qr_payload(checkpoint: dict[str, Any]) -> str:
    """What a checkpoint's QR code holds: its five fields as compact JSON, in order."""
    return json.dumps(
        {f: checkpoint[f] for f in CHECKPOINT_FIELDS}, separators=(",", ":"), ensure_ascii=True
    )


def _with_qr(request: Request, checkpoint: dict[str, Any]) -> Any:
    label = text("checkpoints.qr_label", lang_of(request), size=checkpoint["tree_size"])
    return qr_svg(qr_payload(checkpoint), label)


# -- consistency proofs ----------------------------------------------------------------


class _ProofCache:
    """Consistency proofs made already. Between two signed checkpoints a proof never
    changes, and making one reads every leaf hash up to the later checkpoint, so each
    pair is made once per process (the most recent `size` pairs are kept). The key is
    the two checkpoints as signed and the public key: a proof is only ever handed out
    for exactly those."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        made = make()
        with self._lock:
            self._items[key] = made
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return made


_proofs = _ProofCache()


def consistency_document(
    system: System, first: dict[str, Any], second: dict[str, Any]
) -> dict[str, Any]:
    """The proof file that checkpoint `second` extends checkpoint `first` (the sealer's
    own, as `yimai proof` writes it); an HTTP 503 where there is no public key here."""
    key = _public_key(system)
    if key is None:
        raise HTTPException(503)
    pem = key[0]
    cache_key = (qr_payload(first), qr_payload(second), pem)
    return _proofs.get(
        cache_key, lambda: system.seal.consistency_proof(first["tree_size"], second["tree_size"])
    )


def consistency_path(m: int, n: int) -> str:
    return f"/checkpoints/{m}/consistency/{n}.json"


def _verifier_output(filename: str, document: dict[str, Any]) -> list[str]:
    """What `python yimai_verify.py FILENAME` prints for `document`, line by line (the
    verifier's own checks and words; the frame as its `main` prints it)."""
    verified, lines = yimai_verify.verify_document(document)
    out = [f"Yimai proof verifier: {filename}", *(f"  {line}" for line in lines)]
    if verified:
        out.append("RESULT: VERIFIED")
    else:
        failures = sum(line.startswith("FAILED:") for line in lines)
        out.append(f"RESULT: NOT VERIFIED ({failures} problem{'' if failures == 1 else 's'})")
    return out


# -- pages -------------------------------------------------------------------------------


def grouped(value: str, size: int = 8) -> str:
    """A hash or signature in groups of `size` characters, to read out and compare (and
    so that it wraps on a phone)."""
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


def _render(request: Request, template: str, **values: Any) -> HTMLResponse:
    return render(request, template, grouped=grouped, **values)


@router.get("/checkpoints", response_class=HTMLResponse)
def checkpoints_page(request: Request, page: PageQuery = None) -> HTMLResponse:
    system = system_of(request)
    number = page_number(page)
    pager = Pager(number, PER_PAGE, _count(system))
    # One more than a page: the row after each one is the checkpoint before it.
    rows = _newest_first(system, pager.offset, PER_PAGE + 1)
    items = rows[:PER_PAGE]
    older = {
        item["tree_size"]: (rows[i + 1]["tree_size"] if i + 1 < len(rows) else None)
        for i, item in enumerate(items)
    }
    latest = items[0] if number == 1 and items else _latest(system)
    key = _public_key(system)
    return _render(
        request,
        "checkpoints/list.html",
        latest=latest,
        latest_qr=_with_qr(request, latest) if latest else None,
        items=items,
        previous_of=older,
        pager=pager,
        key_pem=key[0] if key else None,
        key_id=key[1] if key else None,
        consistency_path=consistency_path,
    )


@router.get("/checkpoints.json")
def checkpoints_json(
    request: Request, page: PageQuery = None, per_page: PageQuery = None
) -> JSONResponse:
    system = system_of(request)
    pager = Pager(page_number(page), per_page_number(per_page), _count(system))
    return json_feed(request, _newest_first(system, pager.offset, pager.per_page), pager)


@router.get("/checkpoints.csv")
def checkpoints_csv(
    request: Request, page: PageQuery = None, per_page: PageQuery = None
) -> Response:
    system = system_of(request)
    pager = Pager(page_number(page), per_page_number(per_page), _count(system))
    items = _newest_first(system, pager.offset, pager.per_page)
    return csv_feed(items, CHECKPOINT_FIELDS, f"checkpoints-page-{pager.page}.csv")


@router.get("/checkpoints/public-key.pem")
def public_key_pem(request: Request) -> Response:
    key = _public_key(system_of(request))
    if key is None:
        raise NotFoundError("public key", "not here")
    return Response(
        key[0],
        media_type="application/x-pem-file",
        headers={"content-disposition": f'attachment; filename="{KEY_FILENAME}"'},
    )


def _one_json(request: Request, checkpoint: dict[str, Any] | None) -> JSONResponse:
    if checkpoint is None:
        return json_feed(request, [], previous=None, consistency_from_previous=None)
    previous, _ = _neighbours(system_of(request), checkpoint["tree_size"])
    return json_feed(
        request,
        [checkpoint],
        previous=previous,
        consistency_from_previous=(
            None if previous is None else consistency_path(previous, checkpoint["tree_size"])
        ),
    )


@router.get("/checkpoints/latest.json")
def latest_json(request: Request) -> JSONResponse:
    return _one_json(request, _latest(system_of(request)))


@router.get("/checkpoints/{m}/consistency/{n}.json")
def consistency_json(request: Request, m: str, n: str) -> JSONResponse:
    first_size, second_size = _size("m", m), _size("n", n)
    if first_size > second_size:
        raise InvalidInputError("n", "must be at least m: a proof goes from the earlier checkpoint")
    system = system_of(request)
    first, second = _existing(system, first_size), _existing(system, second_size)
    document = consistency_document(system, first, second)
    filename = f"yimai-consistency-{first_size}-{second_size}.json"
    return JSONResponse(
        document, headers={"content-disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/checkpoints/{tree_size}.json")
def checkpoint_json(request: Request, tree_size: str) -> JSONResponse:
    size = _size("tree_size", tree_size)
    return _one_json(request, _existing(system_of(request), size))


@router.get("/checkpoints/{tree_size}", response_class=HTMLResponse)
def checkpoint_page(request: Request, tree_size: str) -> HTMLResponse:
    system = system_of(request)
    checkpoint = _existing(system, _size("tree_size", tree_size))
    previous, following = _neighbours(system, checkpoint["tree_size"])
    latest = _latest(system)
    key = _public_key(system)
    return _render(
        request,
        "checkpoints/detail.html",
        cp=checkpoint,
        qr=_with_qr(request, checkpoint),
        previous=previous,
        following=following,
        latest=latest,
        key_id=key[1] if key else None,
        consistency_path=consistency_path,
    )


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    system = system_of(request)
    key = _public_key(system)
    example: dict[str, Any] | None = None
    first_two = _oldest_two(system)
    if key is not None and len(first_two) == 2:
        # The first two checkpoints: a proof read from few leaves, the same ever after.
        first, second = first_two
        m, n = first["tree_size"], second["tree_size"]
        filename = f"yimai-consistency-{m}-{n}.json"
        document = consistency_document(system, first, second)
        example = {
            "m": m,
            "n": n,
            "command": f"python yimai_verify.py {filename}",
            "output": _verifier_output(filename, document),
            "path": consistency_path(m, n),
        }
    return _render(
        request,
        "checkpoints/verify.html",
        key_id=key[1] if key else None,
        example=example,
        receipt_url=url_in(lang_of(request), "/receipt"),
    )


@router.get("/verify/yimai_verify.py")
def verifier_script() -> Response:
    return Response(
        VERIFIER.read_bytes(),
        media_type="text/x-python",
        headers={"content-disposition": 'attachment; filename="yimai_verify.py"'},
    )
