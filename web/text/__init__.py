"""The site's words, in Chinese and English: each area keeps its own in
`web/text/<area>.py` as `TEXT = {key: (zh, en)}`; a key defined twice is an error."""

from __future__ import annotations

from typing import Any

from web.text import checkpoints, claims, common, outcomes, rankings, receipts, statistics

AREAS = (common, outcomes, rankings, claims, statistics, receipts, checkpoints)


def _merge() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        for key, pair in area.TEXT.items():
            if key in merged:
                raise RuntimeError(f"web text {key!r} is defined twice ({area.__name__})")
            merged[key] = pair
    return merged


TEXT = _merge()


def text(key: str, lang: str, **values: Any) -> str:
    """The text of `key` in `lang` ("zh" or "en"), formatted with `values`."""
    zh, en = TEXT[key]
    chosen = en if lang == "en" else zh
    return chosen.format(**values) if values else chosen
