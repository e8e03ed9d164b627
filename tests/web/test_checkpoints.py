"""检查点 · 如何验证 in the browser and over HTTP: a resident reads the latest signed
checkpoint and scans its QR code, downloads the public key, opens earlier checkpoints and
their consistency proofs, and follows the "how to verify" page: the script, the key and
the proofs downloaded from the site verify with the stand-alone verifier, run as a
separate program. Nothing a public request does signs a checkpoint."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.config import Settings
from projections.system import System, open_system
from tests.conftest import ADMIN_PASSWORD, FAST_PASSWORDS, make_system, open_staff
from tests.web.test_qr import decode, decode_svg, png_matrix
from verifier.yimai_verify import public_key_id
from web.render import fmt_time
from web.routes.checkpoints import CHECKPOINT_FIELDS, consistency_path, grouped
from web.site import create_server
from web.text import text

VERIFIER = Path(__file__).parents[2] / "verifier" / "yimai_verify.py"


def five(checkpoint: dict[str, Any]) -> dict[str, Any]:
    return {f: checkpoint[f] for f in CHECKPOINT_FIELDS}


def scanned(page: Any) -> dict[str, Any]:
    """What a phone reads from the page's QR code: a screenshot of the code as Chromium
    drew it, its modules read at their centres and decoded (see tests/web/test_qr.py)."""
    code = page.locator("svg.qr")
    assert code.count() == 1
    side = int((code.get_attribute("viewBox") or "").split()[2])
    found: dict[str, Any] = json.loads(decode(png_matrix(code.screenshot(), side)))
    return found


def no_sideways_scroll(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]


def run_verifier(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "yimai_verify.py", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


# -- in the browser ---------------------------------------------------------------------------


def test_the_checkpoints_page_shows_the_latest_its_key_and_the_list(
    live_url: str, site_system: System, phone: Any, desktop: Any, shots: Path
) -> None:
    cps = site_system.seal.checkpoints()
    latest = site_system.seal.latest_checkpoint()
    assert latest is not None and len(cps) >= 2
    pem = site_system.seal.public_key_pem()
    for page, size in ((desktop, "desktop"), (phone, "phone")):
        for lang, prefix in (("zh", ""), ("en", "/en")):
            page.goto(f"{live_url}{prefix}/checkpoints")
            assert page.locator("h1").inner_text() == text("checkpoints.title", lang)
            current = page.locator("nav a[aria-current=page]").inner_text()
            assert current == text("nav.checkpoints", lang)
            main = page.locator("main").inner_text()
            for key in ("what_1", "what_2", "what_3", "public_key_lead"):
                assert text(f"checkpoints.{key}", lang) in main

            facts = page.locator("#latest dl.facts").inner_text()
            assert text("checkpoints.tree_size_value", lang, size=latest["tree_size"]) in facts
            assert grouped(latest["root"]) in facts
            assert grouped(latest["signature"]) in facts
            assert when(site_system, latest["made_at"]) in facts and latest["key_id"] in facts
            assert scanned(page) == five(latest)

            assert page.locator("pre.pem").inner_text().strip() == pem.strip()
            assert page.locator("code.key-id").inner_text() == public_key_id(pem)

            listed = page.locator("#all tbody tr td:first-child a").all_inner_texts()
            newest_first = sorted((c["tree_size"] for c in cps), reverse=True)
            assert listed == [f"#{n}" for n in newest_first[:20]]
            first_row = page.locator("#all tbody tr").first.inner_text()
            assert text("checkpoints.latest_badge", lang) in first_row
            assert no_sideways_scroll(page)
            page.screenshot(path=shots / f"checkpoints-{lang}-{size}.png", full_page=True)
    # On a phone the list's rows are cards whose cells carry their labels.
    assert phone.locator("#all thead").is_hidden()


def test_each_checkpoint_has_a_page_with_its_qr_code_and_proofs(
    live_url: str, site_system: System, phone: Any, desktop: Any, shots: Path
) -> None:
    cps = site_system.seal.checkpoints()
    latest = cps[-1]
    for i, cp in enumerate(cps):
        n = cp["tree_size"]
        desktop.goto(f"{live_url}/checkpoints/{n}")
        assert desktop.locator("h1").inner_text().startswith(f"检查点 #{n}")
        facts = desktop.locator("dl.facts").inner_text()
        assert grouped(cp["root"]) in facts and grouped(cp["signature"]) in facts
        assert when(site_system, cp["made_at"]) in facts and cp["key_id"] in facts
        assert scanned(desktop) == five(cp)
        proofs = [a.get_attribute("href") for a in desktop.locator("ul.proofs a[download]").all()]
        expected = []
        if i > 0:
            expected.append(consistency_path(cps[i - 1]["tree_size"], n))
        if cp is not latest:
            expected.append(consistency_path(n, latest["tree_size"]))
        assert proofs == expected
        if i == 0:
            assert text("checkpoints.is_first", "zh") in desktop.locator("ul.proofs").inner_text()
        desktop.screenshot(path=shots / f"checkpoint-{n}-zh-desktop.png", full_page=True)

    # From the latest, back one checkpoint at a time.
    desktop.goto(f"{live_url}/en/checkpoints/{latest['tree_size']}")
    desktop.click("a[rel=prev]")
    assert desktop.url == f"{live_url}/en/checkpoints/{cps[-2]['tree_size']}"
    assert desktop.locator("h1").inner_text() == f"Checkpoint #{cps[-2]['tree_size']}"

    phone.goto(f"{live_url}/en/checkpoints/{latest['tree_size']}")
    heading = phone.locator("h1").inner_text()
    assert heading.startswith(f"Checkpoint #{latest['tree_size']}") and "Latest" in heading
    assert scanned(phone) == five(latest)
    assert no_sideways_scroll(phone)
    phone.screenshot(path=shots / "checkpoint-latest-en-phone.png", full_page=True)


def test_the_verify_page_explains_the_steps_and_quotes_the_script_truthfully(
    live_url: str,
    client: TestClient,
    site_system: System,
    phone: Any,
    desktop: Any,
    shots: Path,
    tmp_path: Path,
) -> None:
    key_id = public_key_id(site_system.seal.public_key_pem())
    for page, size in ((desktop, "desktop"), (phone, "phone")):
        for lang, prefix in (("zh", ""), ("en", "/en")):
            page.goto(f"{live_url}{prefix}/verify")
            assert page.locator("h1").inner_text() == text("checkpoints.verify_title", lang)
            main = page.locator("main").inner_text()
            assert text("checkpoints.step_key_text", lang, key_id=key_id) in main
            for key in ("step_need_text", "step_compare_text", "line_note", "line_failed"):
                assert text(f"checkpoints.{key}", lang) in main
            assert "python3 -m pip install cryptography" in main
            assert "python3 yimai_verify.py yimai-proof-K7Q-4MZ2.json" in main
            assert page.locator("main a[href='/verify/yimai_verify.py']").count() == 1
            assert page.locator("main a[href='/checkpoints/public-key.pem']").count() == 1
            assert page.locator(f"main a[href='{prefix}/receipt']").count() == 1
            assert no_sideways_scroll(page)
            page.screenshot(path=shots / f"verify-{lang}-{size}.png", full_page=True)

    # The example output is what the script prints for the proof the page links to.
    command, *printed = desktop.locator("pre.verifier-output").inner_text().splitlines()
    filename = command.split()[-1]
    href = desktop.locator("#read a[download]").get_attribute("href")
    (tmp_path / filename).write_bytes(client.get(href).content)
    (tmp_path / "yimai_verify.py").write_bytes(client.get("/verify/yimai_verify.py").content)
    ran = run_verifier(tmp_path, filename)
    assert ran.returncode == 0
    assert ran.stdout.splitlines() == printed
    assert printed[-1] == "RESULT: VERIFIED"


# -- downloads, checked by the stand-alone verifier -------------------------------------------


@pytest.fixture
def own_system(tmp_path: Path) -> Iterator[System]:
    """A system of this test's own (on a temporary SQLite file), to write to."""
    system = make_system(f"sqlite:///{tmp_path / 'y.db'}")
    system.initialize("admin", ADMIN_PASSWORD)
    yield system
    system.shutdown()


def test_the_downloaded_script_key_and_consistency_proof_verify(
    own_system: System, tmp_path: Path
) -> None:
    first = own_system.seal.checkpoint()
    open_staff(own_system)  # more events, then a second checkpoint
    second = own_system.seal.checkpoint()
    m, n = first["tree_size"], second["tree_size"]
    assert m < n
    site = TestClient(create_server(own_system))

    script = site.get("/verify/yimai_verify.py")
    assert script.headers["content-type"].startswith("text/x-python")
    assert script.headers["content-disposition"] == 'attachment; filename="yimai_verify.py"'
    assert script.content == VERIFIER.read_bytes()
    key = site.get("/checkpoints/public-key.pem")
    assert key.headers["content-disposition"] == 'attachment; filename="yimai-public-key.pem"'
    assert key.text == own_system.seal.public_key_pem()
    key_id = public_key_id(key.text)
    assert key_id in site.get("/verify").text

    page = site.get(f"/checkpoints/{n}")
    assert f'href="{consistency_path(m, n)}"' in page.text
    start = page.text.index("<svg")
    assert json.loads(decode_svg(page.text[start : page.text.index("</svg>") + 6])) == five(second)
    proof = site.get(consistency_path(m, n))
    assert proof.headers["content-disposition"] == (
        f'attachment; filename="yimai-consistency-{m}-{n}.json"'
    )
    document = proof.json()
    assert document["kind"] == "consistency"
    assert (document["first"], document["second"]) == (first, second)

    (tmp_path / "yimai_verify.py").write_bytes(script.content)
    (tmp_path / "yimai-public-key.pem").write_bytes(key.content)
    (tmp_path / "proof.json").write_bytes(proof.content)
    pinned = run_verifier(tmp_path, "proof.json", "--public-key", "yimai-public-key.pem")
    assert pinned.returncode == 0, pinned.stdout
    assert f"OK: public key: Ed25519, key id {key_id}, the expected key" in pinned.stdout
    assert f"{m} events, root {first['root']}" in pinned.stdout
    assert f"{n} events, root {second['root']}" in pinned.stdout
    assert f"the log of {n} events extends the log of {m} unchanged" in pinned.stdout
    assert pinned.stdout.rstrip().endswith("RESULT: VERIFIED")
    by_id = run_verifier(tmp_path, "proof.json", "--key-id", key_id)
    assert by_id.returncode == 0 and "RESULT: VERIFIED" in by_id.stdout

    # A proof changed on the way does not verify.
    document["proof"][0] = ("0" if document["proof"][0][0] != "0" else "1") + document["proof"][0][
        1:
    ]
    (tmp_path / "changed.json").write_text(json.dumps(document))
    changed = run_verifier(tmp_path, "changed.json", "--public-key", "yimai-public-key.pem")
    assert changed.returncode == 1 and "RESULT: NOT VERIFIED" in changed.stdout

    # Serving all of that signed nothing.
    assert own_system.seal.checkpoints() == [first, second]


def test_before_the_first_checkpoint_the_pages_say_so_and_sign_nothing(
    own_system: System,
) -> None:
    sealed = own_system.seal.sealed_count()
    site = TestClient(create_server(own_system))
    for path in (
        "/checkpoints",
        "/en/checkpoints",
        "/verify",
        "/en/verify",
        "/checkpoints.json",
        "/checkpoints.csv",
        "/checkpoints/latest.json",
        "/checkpoints/public-key.pem",
        "/verify/yimai_verify.py",
    ):
        assert site.get(path).status_code == 200, path
    page = site.get("/checkpoints").text
    assert text("checkpoints.none", "zh") in page and "<svg" not in page
    assert text("checkpoints.none", "en") in site.get("/en/checkpoints").text
    assert "verifier-output" not in site.get("/verify").text
    assert site.get("/checkpoints/latest.json").json()["items"] == []
    assert site.get("/checkpoints.json").json()["total"] == 0
    assert site.get("/checkpoints/1").status_code == 404
    assert site.get("/checkpoints/1/consistency/1.json").status_code == 404
    assert own_system.seal.checkpoints() == []
    assert own_system.seal.sealed_count() == sealed


def test_without_the_signing_key_the_pages_still_show_the_checkpoints(
    own_system: System, tmp_path: Path
) -> None:
    first = own_system.seal.checkpoint()
    open_staff(own_system)
    second = own_system.seal.checkpoint()
    elsewhere = tmp_path / "elsewhere" / "no-key.pem"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'y.db'}",
        signing_key_path=str(elsewhere),
        **FAST_PASSWORDS,
    )
    keyless = open_system(settings)
    try:
        site = TestClient(create_server(keyless))
        page = site.get("/en/checkpoints")
        assert page.status_code == 200
        assert text("checkpoints.key_missing", "en") in page.text
        assert grouped(second["root"]) in page.text and "<svg" in page.text
        assert str(tmp_path) not in page.text and "no-key" not in page.text
        assert site.get("/checkpoints/public-key.pem").status_code == 404
        proof = site.get(consistency_path(first["tree_size"], second["tree_size"]))
        assert proof.status_code == 503 and str(tmp_path) not in proof.text
        verify = site.get("/verify")
        assert verify.status_code == 200 and text("checkpoints.key_missing", "zh") in verify.text
    finally:
        keyless.shutdown()


# -- feeds and bad input ----------------------------------------------------------------------


def test_the_feeds_page_through_the_checkpoints(client: TestClient, site_system: System) -> None:
    newest_first = list(reversed(site_system.seal.checkpoints()))
    seen: list[dict[str, Any]] = []
    url: str | None = "/checkpoints.json?per_page=2"
    while url:
        body = client.get(url).json()
        assert body["total"] == len(newest_first) and body["per_page"] == 2
        assert all(tuple(item) == CHECKPOINT_FIELDS for item in body["items"])
        seen.extend(body["items"])
        url = body["next"]
    assert seen == newest_first

    answer = client.get("/checkpoints.csv?per_page=100")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CHECKPOINT_FIELDS

    def cell(value: Any) -> str:  # the CSV quotes what a spreadsheet would run
        shown = str(value)
        return "'" + shown if shown[:1] in ("=", "+", "-", "@") else shown

    assert rows == [{f: cell(c[f]) for f in CHECKPOINT_FIELDS} for c in newest_first]

    latest = client.get("/checkpoints/latest.json").json()
    assert latest["items"] == [newest_first[0]]
    assert latest["previous"] == newest_first[1]["tree_size"]
    assert latest["consistency_from_previous"] == consistency_path(
        newest_first[1]["tree_size"], newest_first[0]["tree_size"]
    )
    for i, cp in enumerate(newest_first):
        one = client.get(f"/checkpoints/{cp['tree_size']}.json").json()
        assert one["items"] == [cp]
        before = newest_first[i + 1]["tree_size"] if i + 1 < len(newest_first) else None
        assert one["previous"] == before
    assert client.get("/checkpoints.json?page=99").json()["items"] == []


def test_bad_sizes_are_named_and_unknown_ones_are_not_found(
    client: TestClient, site_system: System
) -> None:
    sizes = [c["tree_size"] for c in site_system.seal.checkpoints()]
    unknown = max(sizes) + 1
    missing = client.get(f"/en/checkpoints/{unknown}")
    assert missing.status_code == 404 and "There is no such page or record." in missing.text
    assert client.get(f"/checkpoints/{unknown}.json").status_code == 404
    assert client.get(consistency_path(sizes[0], unknown)).status_code == 404
    assert client.get(consistency_path(unknown - 1, unknown)).status_code == 404

    for bad in ("abc%3Cb%3E", "0", "-3", "1e3", "%EF%BC%91%EF%BC%92"):
        page = client.get(f"/checkpoints/{bad}")
        assert page.status_code == 422 and 'data-field="tree_size"' in page.text, bad
        message = page.text[page.text.index("<main") : page.text.index("</main>")]
        assert "abc" not in message, "the value given is not repeated"
        feed = client.get(f"/checkpoints/{bad}.json")
        assert feed.status_code == 422 and feed.json()["field"] == "tree_size", bad
    later_first = client.get(consistency_path(sizes[-1], sizes[0]))
    assert later_first.status_code == 422 and later_first.json()["field"] == "n"
    assert client.get("/checkpoints/x/consistency/5.json").json()["field"] == "m"
    assert client.get("/checkpoints.json?per_page=1000").json()["field"] == "per_page"
    assert client.get("/checkpoints.csv?page=0").json()["field"] == "page"
    bad_page = client.get("/checkpoints?page=0")
    assert bad_page.status_code == 422 and "page" in bad_page.text


def when(system: System, made_at: str) -> str:
    """A signing time as the pages show it: at the station, with its offset."""
    return fmt_time(made_at, system.settings.tzinfo)
