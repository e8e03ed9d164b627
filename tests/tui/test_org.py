"""The tree reads in human order, with as many counts as the width allows."""

from __future__ import annotations

from uuid import uuid4

from projections.roster import UnitNode
from tui.org import fitting_label, natural_key, ordered, unit_text


def _unit(name: str, level: str = "branch", kind: str | None = "direct") -> UnitNode:
    counts = {"members": 52, "members_no_group": 8, "households": 40}
    return UnitNode(uuid4(), level, name, kind, None, None, "open", None, counts)


def test_branches_and_buildings_sort_by_their_numbers() -> None:
    names = ["第十网格党支部", "第二网格党支部", "第一网格党支部", "第十一网格党支部"]
    assert [u.name for u in ordered(_unit(n) for n in names)] == [
        "第一网格党支部",
        "第二网格党支部",
        "第十网格党支部",
        "第十一网格党支部",
    ]
    groups = ["10号楼党小组", "2号楼党小组", "鹏泉东路商户党小组", "1号楼党小组"]
    assert sorted(groups, key=natural_key) == [
        "1号楼党小组",
        "2号楼党小组",
        "10号楼党小组",
        "鹏泉东路商户党小组",
    ]


def test_a_branch_label_keeps_what_fits() -> None:
    branch = _unit("第一网格党支部")
    assert unit_text(branch) == "第一网格党支部 · 直管型 · 党员 52 / 未分组 8 / 户 40"
    assert fitting_label(branch, 80).plain == unit_text(branch)
    assert fitting_label(branch, 43).plain == "第一网格党支部 · 党员 52 / 未分组 8 / 户 40"
    assert fitting_label(branch, 26).plain == "第一网格党支部 · 党员 52"
    assert fitting_label(branch, 10).plain == "第一网格党支部 · 52"
