"""The site's words: every key a template or a route names exists in both languages, with
the same placeholders in each, and no area defines a key another does."""

from __future__ import annotations

import re
import string
from pathlib import Path

import web
from web.text import AREAS, TEXT

ROOT = Path(web.__file__).parent
#: t('key'), t("key"), text("key", ...) with a literal key.
USED = re.compile(r"""\b(?:t|text)\(\s*['"]([a-z0-9_]+\.[a-z0-9_.]*[a-z0-9])['"]""")
#: Keys whose languages word a value differently on purpose ("3月" / "Mar 2026").
OWN_PLACEHOLDERS = {"statistics.month_name"}


def _placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_every_key_used_exists() -> None:
    # (The Open311 view keeps its few words of its own, in web/open311.py.)
    sources = [*ROOT.rglob("*.html"), *(p for p in ROOT.rglob("*.py") if p.name != "open311.py")]
    used = {key for path in sources for key in USED.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 100
    missing = sorted(used - set(TEXT))
    assert not missing, missing


def test_both_languages_say_the_same_placeholders() -> None:
    for key, (zh, en) in TEXT.items():
        assert zh.strip() and en.strip(), key
        if key not in OWN_PLACEHOLDERS:
            assert _placeholders(zh) == _placeholders(en), key


def test_no_key_is_defined_twice() -> None:
    seen: dict[str, str] = {}
    for area in AREAS:
        for key in area.TEXT:
            assert key not in seen, (key, seen.get(key), area.__name__)
            seen[key] = area.__name__
