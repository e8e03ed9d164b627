"""回执查询 in the browser and over HTTP: a resident types the code on their receipt, reads
the request's public status (and its outcome once published), downloads the proof that
it was recorded in the signed ledger and checks it with the stand-alone verifier; a
malformed code and an unknown one; a request placed after the last checkpoint waits for
the next one; nothing personal reaches a page or a file."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from domain.dto import RequestDraft
from domain.requests import ReceiptCode
from projections.public_receipts import MILESTONES, PublicReceipts
from projections.requests import board
from projections.system import System
from tests.conftest import make_system
from web.render import url_in
from web.site import create_server
from web.text import text

VERIFIER = Path(__file__).resolve().parents[2] / "verifier" / "yimai_verify.py"
DESCRIPTION = "MARKER-DESC 三号楼路灯不亮"
CONTACT = "MARKER欧阳娜娜"
PHONE = "13912345678"
BUILDING = "MARKER-3号楼"
#: What must never reach a page: the request's personal fields.
PERSONAL = ("MARKER", "欧阳", PHONE)


def codes_by_state(system: System) -> dict[str, str]:
    """A receipt code of each state the demo's requests are in (the first placed)."""
    with system.db.read.connect() as conn:
        rows = conn.execute(
            sa.select(board.c.receipt_code, board.c.state).order_by(board.c.placed_at)
        ).all()
    found: dict[str, str] = {}
    for code, state in rows:
        found.setdefault(state, code)
    return found


def unused_code(system: System) -> str:
    taken = set(codes_by_state(system).values())
    with system.db.read.connect() as conn:
        taken |= set(conn.execute(sa.select(board.c.receipt_code)).scalars())
    return next(c for c in ("222-2222", "333-3333", "444-4444") if c not in taken)


def check_status_page(page: Any, system: System, code: str, lang: str) -> dict[str, Any]:
    """The page shows what the query answers for `code`, in `lang`."""
    item = PublicReceipts(system).lookup(code)
    assert page.locator("h1").inner_text() == text("receipts.heading", lang, code=code)
    status = page.locator("dl#status").inner_text()
    assert text(f"state.{item['state']}", lang) in status
    assert item[f"category_name_{lang}"] in status
    assert item["community_name"] in status
    days = page.locator("dl#progress dd").all_inner_texts()
    labels = page.locator("dl#progress dt").all_inner_texts()
    assert labels == [text(f"receipts.{m}", lang) for m in MILESTONES]
    for name, shown in zip(MILESTONES, days, strict=True):
        day = item[f"{name}_on"]
        if day is not None:
            assert shown == day.isoformat()
        else:
            assert shown in (text("receipts.not_yet", lang), "—")
    assert page.locator("#limits").count() == (1 if item["open"] else 0)
    if item["open"]:
        assert item["resolve_due_on"].isoformat() in page.locator("#limits").inner_text()
    proof = page.locator("#proof")
    assert text("receipts.proof_download", lang) in proof.inner_text()
    assert proof.locator("a[href$='/verify']").count() == 1
    main = page.locator("main").inner_text()
    assert "张三" not in main and "MARKER" not in main
    return item


# -- in the browser ---------------------------------------------------------------------------


def test_a_resident_types_the_code_from_the_receipt_and_reads_the_status(
    live_url: str, phone: Any, desktop: Any, site_system: System, shots: Path
) -> None:
    codes = codes_by_state(site_system)
    # Each way a code is typed: as printed, lower case, without the dash, spaced out.
    cases = [
        (phone, "phone", "zh", codes["claimed"], str.lower),
        (desktop, "desktop", "zh", codes["withdrawn"], lambda c: c.replace("-", "")),
        (phone, "phone", "en", codes["classified"], lambda c: " ".join(c.lower())),
        (desktop, "desktop", "en", codes["resolved"], lambda c: c),
    ]
    for page, size, lang, code, typed in cases:
        page.goto(live_url + url_in(lang, "/receipt"))
        assert page.locator("h1").inner_text() == text("receipts.title", lang)
        assert page.locator("nav a[aria-current=page]").inner_text() == text("nav.receipt", lang)
        page.fill("input[name=code]", typed(code))
        page.click("button[type=submit]")
        page.wait_for_url(live_url + url_in(lang, f"/receipt/{code}"))
        item = check_status_page(page, site_system, code, lang)
        assert item["outcome_id"] is None and page.locator("a#outcome").count() == 0
        page.screenshot(path=shots / f"receipt-{item['state']}-{lang}-{size}.png", full_page=True)


def test_a_published_request_links_to_its_outcome(
    live_url: str, phone: Any, desktop: Any, site_system: System, shots: Path
) -> None:
    codes = codes_by_state(site_system)
    for page, size, lang, state in ((desktop, "desktop", "zh", "published"),
                                    (phone, "phone", "en", "closed")):  # fmt: skip
        code = codes[state]
        page.goto(live_url + url_in(lang, "/receipt"))
        page.fill("input[name=code]", code)
        page.press("input[name=code]", "Enter")
        page.wait_for_url(live_url + url_in(lang, f"/receipt/{code}"))
        item = check_status_page(page, site_system, code, lang)
        assert item["published_on"] is not None
        page.screenshot(path=shots / f"receipt-{state}-{lang}-{size}.png", full_page=True)
        page.click("a#outcome")
        page.wait_for_url(live_url + url_in(lang, f"/outcomes/{item['outcome_id']}"))
        assert page.locator("h1").inner_text().startswith(item[f"category_name_{lang}"])
        facts = page.locator("dl.facts").inner_text()
        assert item["published_on"].isoformat() in facts


def test_a_malformed_code_and_an_unknown_one_show_the_form_again(
    live_url: str, phone: Any, desktop: Any, site_system: System, shots: Path
) -> None:
    unknown = unused_code(site_system)
    for page, size, lang in ((desktop, "desktop", "zh"), (phone, "phone", "en")):
        page.goto(live_url + url_in(lang, "/receipt"))
        page.fill("input[name=code]", "K7Q-4MZ0")  # 0 is never in a code
        with page.expect_response(lambda r: "/receipt?" in r.url) as answer:
            page.click("button[type=submit]")
        assert answer.value.status == 422
        error = page.locator("#code-error")
        assert error.inner_text() == text("receipts.error_invalid", lang)
        assert text("receipts.code", lang).lower() in error.inner_text().lower()  # the field
        field = page.locator("input[name=code]")
        assert field.input_value() == "K7Q-4MZ0"
        assert field.get_attribute("aria-invalid") == "true"
        assert "code-error" in (field.get_attribute("aria-describedby") or "")
        page.screenshot(path=shots / f"receipt-malformed-{lang}-{size}.png", full_page=True)

        page.fill("input[name=code]", unknown.lower())
        with page.expect_response(lambda r: r.url.endswith(f"/receipt/{unknown}")) as answer:
            page.click("button[type=submit]")
        assert answer.value.status == 404
        assert page.locator("#code-error").inner_text() == text("receipts.not_found", lang)
        assert page.locator("input[name=code]").input_value() == unknown
        page.screenshot(path=shots / f"receipt-unknown-{lang}-{size}.png", full_page=True)


# -- over HTTP --------------------------------------------------------------------------------


def test_the_form_redirects_to_the_one_address_of_a_receipt(
    client: TestClient, site_system: System
) -> None:
    code = codes_by_state(site_system)["claimed"]
    form = client.get("/receipt")
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    for prefix in ("", "/en"):
        for typed in (code, code.lower(), code.replace("-", ""), f" {code[:3]} {code[4:]} "):
            asked = client.get(f"{prefix}/receipt", params={"code": typed}, follow_redirects=False)
            assert asked.status_code == 303
            assert asked.headers["location"] == f"{prefix}/receipt/{code}"
        other = client.get(f"{prefix}/receipt/{code.lower()}", follow_redirects=False)
        assert other.status_code == 308 and other.headers["location"] == f"{prefix}/receipt/{code}"
        proof = client.get(f"{prefix}/receipt/{code.lower()}/proof.json", follow_redirects=False)
        assert proof.headers["location"] == f"{prefix}/receipt/{code}/proof.json"
    page = client.get(f"/receipt/{code}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"


def test_bad_codes_are_named_and_never_echoed_outside_the_input(
    client: TestClient, site_system: System
) -> None:
    typed = 'QQ0-"<b>x'
    page = client.get("/receipt", params={"code": typed})
    assert page.status_code == 422
    assert "“回执编号”格式不对" in page.text
    escaped = "QQ0-&#34;&lt;b&gt;x"
    assert page.text.count(escaped) == 1 and f'value="{escaped}"' in page.text
    assert "<b>x" not in page.text and "QQ0" not in page.text.replace(escaped, "")
    empty = client.get("/en/receipt", params={"code": "  "})
    assert empty.status_code == 422 and "Fill in the receipt code." in empty.text
    path = client.get("/en/receipt/K7Q-4MZ0")
    assert path.status_code == 422 and "The receipt code is not right" in path.text
    unknown = unused_code(site_system)
    missing = client.get(f"/en/receipt/{unknown}")
    assert missing.status_code == 404 and "No request has this receipt code." in missing.text
    # The language switch does not carry the code (it stays in the input only).
    assert 'href="/receipt"' in missing.text
    feed = client.get("/receipt/K7Q-4MZ0/proof.json")
    assert feed.status_code == 422 and feed.json()["field"] == "code"
    assert "4MZ0" not in feed.text
    assert client.get(f"/receipt/{unknown}/proof.json").status_code == 404


def test_the_proof_download_verifies_with_the_stand_alone_verifier(
    client: TestClient, site_system: System, tmp_path: Path
) -> None:
    code = codes_by_state(site_system)["published"]
    item = PublicReceipts(site_system).lookup(code)
    latest = site_system.seal.latest_checkpoint()
    assert latest is not None
    page = client.get(f"/en/receipt/{code}")
    assert f'href="/receipt/{code}/proof.json"' in page.text
    assert f"covered by checkpoint #{latest['tree_size']}" in page.text
    answer = client.get(f"/receipt/{code}/proof.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="yimai-proof-{code}.json"'
    )
    proof = answer.json()
    assert proof["kind"] == "inclusion" and proof["checkpoint"] == latest
    # The receipt's own event: the code and the request's id, nothing of the request.
    assert proof["leaf"]["id"] == str(ReceiptCode.id_for(code)) and proof["leaf"]["version"] == 1
    assert proof["leaf"]["topic"].endswith("ReceiptCode.Issued")
    state = json.loads(base64.b64decode(proof["leaf"]["state"]))
    assert state["request_id"]["_data_"] == UUID(str(item["outcome_id"])).hex
    saved = tmp_path / f"yimai-proof-{code}.json"
    saved.write_bytes(answer.content)
    key = tmp_path / "yimai.pub"
    key.write_text(site_system.seal.public_key_pem(), encoding="utf-8")
    for pinned in ([], ["--public-key", str(key)]):
        checked = subprocess.run(
            [sys.executable, str(VERIFIER), str(saved), *pinned],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "RESULT: VERIFIED" in checked.stdout
    # A changed proof does not verify.
    saved.write_text(answer.text.replace(proof["proof"][0], "0" * 64), encoding="utf-8")
    broken = subprocess.run(
        [sys.executable, str(VERIFIER), str(saved)], capture_output=True, text=True, check=False
    )
    assert broken.returncode == 1 and "RESULT: NOT VERIFIED" in broken.stdout


# -- a request placed after the checkpoint, on a system of this test's own ---------------------


@pytest.fixture
def own(prepared_sqlite_url: str, prepared_templates: Any) -> Iterator[tuple[System, Any, Any]]:
    """A system of this test's own on an SQLite file (a copy of the prepared database: the
    admin, one account per role, the organization), sealed under a checkpoint: it, its
    staff and its organization."""
    _, staff, org = prepared_templates.built["sqlite"]
    system = make_system(prepared_sqlite_url)
    system.seal.ensure_key()
    system.seal.checkpoint()
    yield system, staff, org
    system.shutdown()


@contextmanager
def serving(system: System) -> Iterator[str]:
    """The server on `system` under uvicorn on 127.0.0.1, for the browser."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(create_server(system), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_new_request_gets_its_proof_after_the_next_checkpoint(
    own: tuple[System, Any, Any], phone: Any, shots: Path, tmp_path: Path
) -> None:
    system, staff, org = own
    placed = system.app.place_request(
        RequestDraft(
            channel="walk_in",
            category="safety",
            description=DESCRIPTION,
            community_id=org.community,
            branch_id=org.branch,
            building=BUILDING,
            requester_kind="resident",
            contact_name=CONTACT,
            contact_phone=PHONE,
        ),
        actor=staff.clerk,
    )
    system.runner.catch_up()
    code = placed.receipt_code
    client = TestClient(create_server(system))
    signed = system.seal.checkpoints()
    sealed = system.seal.sealed_count()
    minutes = system.settings.checkpoint_minutes
    assert minutes > 0

    for lang in ("zh", "en"):
        page = client.get(url_in(lang, f"/receipt/{code}"))
        assert page.status_code == 200
        assert text("receipts.proof_pending", lang, minutes=minutes) in page.text
        assert "proof.json" not in page.text
        assert text("state.placed", lang) in page.text and "第一网格党支部" in page.text
        for marker in PERSONAL:
            assert marker not in page.text
    waiting = client.get(f"/receipt/{code}/proof.json")
    assert waiting.status_code == 404 and waiting.headers["retry-after"] == str(minutes * 60)
    assert "next" in waiting.json()["detail"]
    with serving(system) as url:
        phone.goto(url + f"/en/receipt/{code}")
        assert "after the next checkpoint" in phone.locator("#proof").inner_text()
        assert phone.locator("#limits").is_visible()
        phone.screenshot(path=shots / "receipt-pending-en-phone.png", full_page=True)
    # Looking sealed nothing and signed nothing.
    assert system.seal.checkpoints() == signed and system.seal.sealed_count() == sealed

    latest = system.seal.checkpoint()
    page = client.get(f"/receipt/{code}")
    assert f'href="/receipt/{code}/proof.json"' in page.text
    assert f"检查点 #{latest['tree_size']}" in page.text
    answer = client.get(f"/receipt/{code}/proof.json")
    assert answer.status_code == 200 and answer.json()["tree_size"] == latest["tree_size"]
    for marker in PERSONAL:
        assert marker not in answer.text
    saved = tmp_path / "proof.json"
    saved.write_bytes(answer.content)
    checked = subprocess.run(
        [sys.executable, str(VERIFIER), str(saved), "--key-id", latest["key_id"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0 and "RESULT: VERIFIED" in checked.stdout, checked.stdout
