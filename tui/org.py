"""How the organization tree reads at the station: labels with counts, human order."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from uuid import UUID

from rich.text import Text

from projections.roster import UnitNode
from tui.i18n import label, t

_NUMERALS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_NUMERALS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"\d+|[零一二两三四五六七八九十百]+")


def _chinese_number(text: str) -> int:
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _NUMERALS.get(ch, 0)
    return total + current


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that puts 第二 before 第十 and 2号楼 before 10号楼."""
    parts: list[tuple[int, int, str]] = []
    pos = 0
    for match in _NUMBER.finditer(name):
        if match.start() > pos:
            parts.append((1, 0, name[pos : match.start()]))
        token = match.group()
        number = int(token) if token.isdigit() else _chinese_number(token)
        parts.append((0, number, ""))
        pos = match.end()
    if pos < len(name):
        parts.append((1, 0, name[pos:]))
    return tuple(parts)


def ordered(nodes: Iterable[UnitNode]) -> list[UnitNode]:
    return sorted(nodes, key=lambda n: (natural_key(n.name), str(n.id)))


def walk(roots: Iterable[UnitNode]) -> Iterator[UnitNode]:
    for node in ordered(roots):
        yield node
        yield from walk(node.children)


def by_id(roots: Iterable[UnitNode]) -> dict[UUID, UnitNode]:
    return {node.id: node for node in walk(roots)}


def counts_text(node: UnitNode, detail: str = "full") -> str:
    """The counts of one unit, e.g. "直管型 · 党员 52 / 未分组 8 / 户 40".

    `detail` is "full", "medium" (without the kind), "compact" (members only) or "tiny"
    (the member count alone), for trees too narrow for everything.
    """
    c = node.counts
    if detail == "tiny":
        return str(c.get("members", 0))
    if detail == "compact":
        return t("roster.members", n=c.get("members", 0))
    if node.level == "subdistrict":
        parts = [
            t("roster.communities", n=c.get("communities", 0)),
            t("roster.members", n=c.get("members", 0)),
        ]
        return " / ".join(parts)
    if node.level == "community":
        parts = [
            t("roster.branches", n=c.get("branches", 0)),
            t("roster.members", n=c.get("members", 0)),
            t("roster.in_service", n=c.get("in_service", 0)),
            t("roster.households", n=c.get("households", 0)),
        ]
        return " / ".join(parts)
    if node.level == "branch":
        parts = [
            t("roster.members", n=c.get("members", 0)),
            t("roster.no_group", n=c.get("members_no_group", 0)),
            t("roster.households", n=c.get("households", 0)),
        ]
        kind = label("branch_kind", node.kind)
    else:
        parts = [
            t("roster.members", n=c.get("members", 0)),
            t("roster.households", n=c.get("households", 0)),
        ]
        kind = label("group_kind", node.kind)
    if detail == "medium" or not kind:
        return " / ".join(parts)
    return f"{kind} · " + " / ".join(parts)


def unit_text(node: UnitNode) -> str:
    """ "第一网格党支部 · 直管型 · 党员 52 / 未分组 8 / 户 40"."""
    return f"{node.name} · {counts_text(node)}"


def unit_label(node: UnitNode, detail: str = "full") -> Text:
    """The tree label: the name, then its counts dimmed."""
    text = Text(node.name, style="bold" if node.level in ("subdistrict", "community") else "")
    text.append(" · " + counts_text(node, detail), style="dim")
    return text


def fitting_label(node: UnitNode, width: int) -> Text:
    """The most detailed label that fits in `width` cells."""
    for detail in ("full", "medium", "compact"):
        text = unit_label(node, detail)
        if text.cell_len <= width:
            return text
    return unit_label(node, "tiny")


def all_label(roots: Iterable[UnitNode]) -> Text:
    members = sum(n.counts.get("members", 0) for n in roots)
    text = Text(t("roster.all"), style="bold")
    text.append(" · " + t("roster.members", n=members), style="dim")
    return text


def place_name(units: dict[UUID, UnitNode], branch_id: UUID | None, group_id: UUID | None) -> str:
    """ "第一网格党支部 / 1号楼党小组" for ids (or the ids when unknown)."""
    names = []
    for ident in (branch_id, group_id):
        if ident is None:
            continue
        node = units.get(ident)
        names.append(node.name if node else str(ident)[:8])
    return " / ".join(names)


def branch_choices(roots: Iterable[UnitNode]) -> list[tuple[str, str]]:
    """(label, id) for every open grid branch, with its community when there are several."""
    roots = list(roots)
    nodes = list(walk(roots))
    communities = [n for n in nodes if n.level == "community"]
    several = len(communities) > 1
    choices = []
    for community in communities:
        for branch in ordered(c for c in community.children if c.level == "branch"):
            if branch.status != "open":
                continue
            name = f"{community.name} › {branch.name}" if several else branch.name
            choices.append((name, str(branch.id)))
    return choices


def group_choices(units: dict[UUID, UnitNode], branch_id: str | None) -> list[tuple[str, str]]:
    """(label, id) for the open party groups of a branch."""
    if not branch_id:
        return []
    branch = units.get(UUID(branch_id))
    if branch is None:
        return []
    return [
        (g.name, str(g.id))
        for g in ordered(branch.children)
        if g.level == "group" and g.status == "open"
    ]
