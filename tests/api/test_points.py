"""Points and stars over HTTP: one member's year from the first award to the published
selection of excellent members; the help star a request earns; the rule catalogue and
its versions; and every way a step is refused (403 for a role, 409 naming the rule,
422 naming the field, 404 for what does not exist)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from projections.system import System
from tests.api.conftest import LAST_YEAR, MISSING, TODAY, Desk, activity_body, expect

Y = LAST_YEAR


def day(month: int, dom: int) -> str:
    """A date of the year the story is about."""
    return f"{Y}-{month:02d}-{dom:02d}"


def award(desk: Desk, member: str, rule: str, on: str, role: str = "clerk", **more: Any) -> Any:
    body = {"rule_code": rule, "deed_on": on, "note": "记录", **more}
    return desk.post(role, f"/members/{member}/awards", body, 201)


def totals(desk: Desk, member: str, year: int = Y) -> Any:
    return desk.get("reviewer", f"/members/{member}/totals", year=year)


def ledger(desk: Desk, member: str, year: int = Y) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = desk.get("cadre", f"/members/{member}/ledger", year=year)["items"]
    return items


def check_explanation(desk: Desk, member: str, year: int = Y) -> dict[str, Any]:
    """The explanation of a member's year adds up to their totals, quarter by quarter."""
    sums = totals(desk, member, year)
    whole = desk.get("cadre", f"/members/{member}/explain", year=year)
    assert sum(line["counted"] for line in whole["lines"]) == whole["total"] == sums["points"]
    assert sum(line["counted_stars"] for line in whole["lines"]) == whole["stars"]
    assert whole["stars"] == sums["stars"]
    for q in (1, 2, 3, 4):
        part = desk.get("cadre", f"/members/{member}/explain", year=year, quarter=q)
        assert part["quarter"] == q
        assert sum(line["counted"] for line in part["lines"]) == part["total"]
        assert part["total"] == sums["by_quarter"][str(q)]["points"], q
    explanation: dict[str, Any] = whole
    return explanation


def test_a_members_year(desk: Desk, system: System) -> None:
    org = desk.org
    member = desk.member("李明华", "13611110001")
    other = desk.member("王建国", "13611110002")

    # The admin adds a rule to the catalogue, in effect from the start of the year.
    reading = {
        "code": "reading",
        "name_zh": "读书分享",
        "name_en": "Reading circle",
        "category": "study",
        "points": 4,
        "cap": 6,
        "effective_from": day(1, 1),
    }
    desk.post("admin", "/point-rules", reading, 201)
    assert desk.post("admin", "/point-rules", reading, 409)["rule"] == "rule_exists"

    # Awards: the second reading is cut by the rule's cap of 6 a year.
    first = award(desk, member, "reading", day(2, 10))
    assert (first["points"], first["asked"], first["stars"], first["capped"]) == (4, 4, 0, False)
    second = award(desk, member, "reading", day(3, 10), role="supervisor")
    assert (second["points"], second["asked"], second["capped"]) == (2, 4, True)
    volunteer = award(desk, member, "volunteer", day(4, 1))
    assert (volunteer["points"], volunteer["capped"]) == (2, False)

    # A themed party day: attendance awards both attendees, each with a star.
    activity = desk.post(
        "supervisor",
        "/activities",
        activity_body(org, title="七一主题党日", rule_code="party_day", held_on=day(7, 1)),
        201,
    )["id"]
    attended = desk.post(
        "clerk", f"/activities/{activity}/attendance", {"member_ids": [member, other]}
    )
    assert attended["id"] == activity and len(attended["awards"]) == 2
    assert attended["capped"] == []
    again = desk.post("clerk", f"/activities/{activity}/attendance", {"member_ids": [other]}, 409)
    assert again["rule"] == "already_attended"

    entries = {e["entry_id"]: e for e in ledger(desk, member)}
    assert set(entries) == {first["id"], second["id"], volunteer["id"], *attended["awards"][:1]}
    capped = entries[second["id"]]
    assert (capped["rule_code"], capped["rule_version"], capped["capped"]) == ("reading", 1, True)
    assert (capped["rule_name_zh"], capped["quarter"], capped["actor"]) == (
        "读书分享",
        1,
        "supervisor",
    )
    party = entries[attended["awards"][0]]
    assert (party["evidence_kind"], party["evidence_ref"], party["stars"]) == (
        "activity",
        activity,
        1,
    )
    assert totals(desk, member)["points"] == 4 + 2 + 2 + 3

    # A deduction takes two people: the clerk proposes, the clerk may not approve it.
    proposed = desk.post(
        "clerk",
        "/adjustments/deductions",
        {
            "member_id": member,
            "rule_code": "absent_without_leave",
            "deed_on": day(9, 5),
            "reason": "九月组织生活无故缺席",
        },
        201,
    )["id"]
    [waiting] = desk.get("supervisor", "/adjustments", state="proposed")["items"]
    assert (waiting["id"], waiting["kind"], waiting["proposer"], waiting["name"]) == (
        proposed,
        "deduction",
        "clerk",
        "李明华",
    )
    assert totals(desk, member)["points"] == 11  # nothing counts until it is approved
    refused = desk.post("clerk", f"/adjustments/{proposed}/approve", None, 403)
    assert "clerk may not do this" in refused["detail"]
    desk.post("supervisor", f"/adjustments/{proposed}/approve")
    assert desk.get("supervisor", "/adjustments")["total"] == 0
    after = totals(desk, member)
    assert (after["points"], after["bottom_line"]) == (6, True)

    # A reversal of the volunteer award: its proposer cannot approve it either.
    reversal = desk.post(
        "supervisor",
        "/adjustments/reversals",
        {"member_id": member, "year": Y, "entry_id": volunteer["id"], "reason": "重复录入"},
        201,
    )["id"]
    same = desk.post("supervisor", f"/adjustments/{reversal}/approve", None, 409)
    assert same["rule"] == "same_person"
    desk.post("admin", f"/adjustments/{reversal}/approve")
    undone = {e["entry_id"]: e for e in ledger(desk, member)}[volunteer["id"]]
    assert (undone["reversed"], undone["reversed_by"], undone["reverse_reason"]) == (
        True,
        reversal,
        "重复录入",
    )
    assert desk.post("admin", f"/adjustments/{reversal}/approve", None, 409)["rule"] == (
        "adjustment_decided"
    )

    # A second deduction is rejected, with the reason: nothing changes.
    breach = {"member_id": member, "rule_code": "breach", "deed_on": day(10, 1), "reason": "x"}
    rejected = desk.post("clerk", "/adjustments/deductions", breach, 201)["id"]
    desk.post("supervisor", f"/adjustments/{rejected}/reject", {"reason": "查无实据"})
    assert desk.get("supervisor", "/adjustments")["total"] == 0

    year = totals(desk, member)
    assert (year["year"], year["points"], year["stars"], year["star_level"]) == (Y, 4, 1, 1)
    assert year["by_quarter"] == {
        "1": {"points": 6, "stars": 0},
        "2": {"points": 0, "stars": 0},
        "3": {"points": -2, "stars": 1},
        "4": {"points": 0, "stars": 0},
    }
    explanation = check_explanation(desk, member)
    lines = {line["entry_id"]: line for line in explanation["lines"]}
    assert (lines[second["id"]]["cap_cut"], lines[second["id"]]["counted"]) == (2, 2)
    assert (lines[volunteer["id"]]["reversed"], lines[volunteer["id"]]["counted"]) == (True, 0)
    assert lines[proposed]["counted"] == -5 and rejected not in lines

    # The year ends: the supervisor closes it into its publicity window.
    desk.post("clerk", f"/periods/{Y}/close", None, 403)
    desk.post("supervisor", f"/periods/{Y}/close")
    period = next(p for p in desk.get("clerk", "/periods")["items"] if p["year"] == Y)
    assert (period["state"], period["open_objections"]) == ("publicity", 0)
    refused = desk.post(
        "clerk",
        f"/members/{member}/awards",
        {"rule_code": "study", "deed_on": day(12, 1), "note": "补录"},
        409,
    )
    assert refused["rule"] == "period_closed"
    ranked = desk.get("reviewer", "/rankings", year=Y, branch_id=str(org.branch))["items"]
    assert [(r["name"], r["points"], r["rank"]) for r in ranked] == [
        ("李明华", 4, 1),
        ("王建国", 3, 2),
    ]

    # An objection in the window: upheld with the missing award.
    objection = desk.post(
        "clerk",
        "/objections",
        {"member_id": member, "year": Y, "text": "五月的志愿服务未计入积分"},
        201,
    )["id"]
    [queued] = desk.get("supervisor", "/objections")["items"]
    assert (queued["id"], queued["member_id"], queued["state"]) == (objection, member, "open")
    assert "text" not in queued
    history = desk.get("reviewer", f"/objections/{objection}/history")
    assert history["items"][0]["fields"]["text"] == "五月的志愿服务未计入积分"
    desk.post(
        "supervisor",
        f"/objections/{objection}/uphold",
        {"reason": "经核实确有参加", "award_rule": "volunteer", "deed_on": day(5, 20)},
    )
    assert desk.get("supervisor", "/objections")["total"] == 0
    [upheld] = desk.get("supervisor", "/objections", state="upheld")["items"]
    assert (upheld["correction_kind"], upheld["reason"]) == ("award", "经核实确有参加")
    assert totals(desk, member)["points"] == 6
    check_explanation(desk, member)
    events = [e["event"] for e in desk.get("clerk", f"/objections/{objection}/history")["items"]]
    assert events == ["Objection.Filed", "Objection.Upheld"]

    # The cadre objects for their own member; that objection is rejected.
    own = desk.post(
        "cadre",
        "/objections",
        {"member_id": str(desk.roster.member), "year": Y, "text": "我的积分有误"},
        201,
    )["id"]
    for_another = {"member_id": member, "year": Y, "text": "x"}
    assert "may not do this" in desk.post("cadre", "/objections", for_another, 403)["detail"]
    desk.post("supervisor", f"/objections/{own}/reject", {"reason": "记录无误"})
    assert desk.post("supervisor", f"/objections/{own}/reject", {"reason": "x"}, 409)["rule"] == (
        "objection_settled"
    )

    # Final only once the window has ended.
    assert desk.post("supervisor", f"/periods/{Y}/finalize", None, 409)["rule"] == "window_open"
    now = datetime.now(UTC)
    system.app.clock = lambda: now + timedelta(days=system.settings.publicity_days + 2)
    desk.post("supervisor", f"/periods/{Y}/finalize")
    period = next(p for p in desk.get("clerk", "/periods")["items"] if p["year"] == Y)
    assert period["state"] == "final" and period["finalized_at"]

    # The year's excellent members: the member with a deduction is not a candidate.
    desk.post("supervisor", f"/selections/{Y}", {"per_branch": 3}, 201)
    selection = desk.get("reviewer", f"/selections/{Y}")
    assert selection["state"] == "proposed"
    assert [(c["member_id"], c["stars"], c["chosen"]) for c in selection["candidates"]] == [
        (other, 1, False)
    ]
    expect(desk.client.get(f"/public/selections/{Y}"), 404)
    chosen = {"chosen": [member], "reason": "x"}
    assert desk.post("supervisor", f"/selections/{Y}/confirm", chosen, 409)["rule"] == (
        "not_a_candidate"
    )
    desk.post("supervisor", f"/selections/{Y}/confirm", {"chosen": [other], "reason": "表决通过"})
    desk.post("supervisor", f"/selections/{Y}/publish")
    selection = desk.get("reviewer", f"/selections/{Y}")
    assert selection["state"] == "published" and selection["candidates"][0]["chosen"] is True
    published = desk.public(f"/public/selections/{Y}")
    assert published["members"] == [
        {"name": "王*国", "branch_name": "第一网格党支部", "stars": 1, "points": 3}
    ]
    assert published["year"] == Y


def test_an_accepted_request_earns_its_claimant_one_star(desk: Desk) -> None:
    member = str(desk.roster.member)
    request = desk.classified()
    desk.post("cadre", f"/requests/{request}/claim", {})
    desk.post("cadre", f"/requests/{request}/resolve", {"solution": "已修好"})
    desk.post("supervisor", f"/requests/{request}/accept")
    # The resident is not satisfied: it reopens, is resolved and accepted again.
    visit = {"satisfaction": "dissatisfied", "reason": "又坏了"}
    desk.post("clerk", f"/requests/{request}/visit", visit)
    desk.post("cadre", f"/requests/{request}/resolve", {"solution": "换了新灯"})
    desk.post("supervisor", f"/requests/{request}/accept")

    [star] = ledger(desk, member, TODAY.year)
    assert (star["rule_code"], star["evidence_kind"], star["evidence_ref"]) == (
        "help_resident",
        "request",
        request,
    )
    assert (star["points"], star["stars"], star["actor"]) == (3, 1, "supervisor")
    year = totals(desk, member, TODAY.year)
    assert (year["points"], year["stars"], year["star_level"]) == (3, 1, 1)
    check_explanation(desk, member, TODAY.year)


def test_the_catalogue_and_its_versions(desk: Desk) -> None:
    rules = desk.get("clerk", "/point-rules")["items"]
    codes = [r["code"] for r in rules]
    assert codes[:3] == ["study", "party_day", "volunteer"] and "breach" in codes
    breach = next(r for r in rules if r["code"] == "breach")
    assert (breach["category"], breach["points"], breach["cap"]) == ("bottom_line", -10, None)

    revise = {"points": 3, "effective_from": day(7, 1), "reason": "提高学习积分", "cap": 40}
    for role in ("clerk", "cadre", "supervisor", "reviewer"):
        assert (
            f"{role} may not do this"
            in desk.post(role, "/point-rules/study/revise", revise, 403)["detail"]
        )
    desk.post("admin", "/point-rules/study/revise", revise)
    again = desk.post("admin", "/point-rules/study/revise", revise, 409)
    assert again["rule"] == "effective_order"
    study = next(r for r in desk.get("clerk", "/point-rules")["items"] if r["code"] == "study")
    assert (study["version"], study["points"], study["effective_from"]) == (2, 3, day(7, 1))
    assert [(v["version"], v["points"], v["reason"]) for v in study["versions"]] == [
        (1, 2, None),
        (2, 3, "提高学习积分"),
    ]

    # An award keeps the version in effect on the deed's date.
    member = str(desk.roster.member)
    before = award(desk, member, "study", day(6, 30))
    after = award(desk, member, "study", day(7, 1))
    assert (before["points"], after["points"]) == (2, 3)
    versions = {e["entry_id"]: e["rule_version"] for e in ledger(desk, member)}
    assert (versions[before["id"]], versions[after["id"]]) == (1, 2)
    check_explanation(desk, member)


def test_rankings_by_branch_community_and_quarter(desk: Desk) -> None:
    org = desk.org
    a = desk.member("赵一", "13611110011")
    b = desk.member("钱二", "13611110012", branch_id=str(org.branch2))
    award(desk, a, "contribution", day(2, 1))
    award(desk, b, "volunteer", day(5, 1))
    award(desk, b, "party_day", day(5, 2))

    ranked = desk.get("clerk", "/rankings", year=Y)
    assert [(r["member_id"], r["rank"], r["points"], r["stars"]) for r in ranked["items"]] == [
        (a, 1, 10, 0),
        (b, 2, 5, 1),
    ]
    assert ranked["items"][1]["branch_name"] == "第二网格党支部"
    second = desk.get("clerk", "/rankings", year=Y, branch_id=str(org.branch2))["items"]
    assert [(r["member_id"], r["rank"]) for r in second] == [(b, 1)]
    q2 = desk.get("clerk", "/rankings", year=Y, quarter=2)["items"]
    assert [r["member_id"] for r in q2] == [b]
    mine = desk.get("clerk", "/rankings", year=Y, community_id=str(org.community))
    assert mine["total"] == 2
    assert (
        desk.get("clerk", "/rankings", year=Y, community_id=str(org.other_community))["total"] == 0
    )
    page = desk.get("clerk", "/rankings", year=Y, offset=1, limit=1)
    assert (page["total"], [r["member_id"] for r in page["items"]]) == (2, [b])


# -- refusals ------------------------------------------------------------------------------------


def not_yours(desk: Desk) -> list[tuple[str, str, dict[str, Any] | None]]:
    member = str(desk.roster.member)
    award_body = {"rule_code": "study", "deed_on": TODAY.isoformat(), "note": "x"}
    deduction = {
        "member_id": member,
        "rule_code": "breach",
        "deed_on": TODAY.isoformat(),
        "reason": "x",
    }
    reversal = {"member_id": member, "year": Y, "entry_id": MISSING, "reason": "x"}
    rule = {
        "code": "reading",
        "name_zh": "读书",
        "name_en": "Reading",
        "category": "study",
        "points": 1,
    }
    attendance = {"member_ids": [member]}
    objection = {"member_id": member, "year": Y, "text": "x"}
    uphold = {"reason": "x", "award_rule": "study", "deed_on": day(5, 1)}
    table: list[tuple[str, str, dict[str, Any] | None]] = []
    for role in ("cadre", "reviewer"):
        table += [
            (role, f"/members/{member}/awards", award_body),
            (role, "/activities", activity_body(desk.org)),
            (role, f"/activities/{desk.roster.activity}/attendance", attendance),
            (role, "/adjustments/deductions", deduction),
            (role, "/adjustments/reversals", reversal),
        ]
    for role in ("clerk", "cadre", "reviewer"):
        table += [
            (role, f"/adjustments/{MISSING}/approve", None),
            (role, f"/adjustments/{MISSING}/reject", {"reason": "x"}),
            (role, f"/periods/{Y}/close", None),
            (role, f"/periods/{Y}/finalize", None),
            (role, f"/objections/{MISSING}/uphold", uphold),
            (role, f"/objections/{MISSING}/reject", {"reason": "x"}),
            (role, f"/selections/{Y}", {"per_branch": 3}),
            (role, f"/selections/{Y}/confirm", {"chosen": [member]}),
            (role, f"/selections/{Y}/publish", None),
        ]
    for role in ("clerk", "cadre", "supervisor", "reviewer"):
        table.append((role, "/point-rules", rule))
    table.append(("reviewer", "/objections", objection))
    return table


def test_a_role_that_may_not_act_is_403(desk: Desk) -> None:
    for role, path, body in not_yours(desk):
        refused = desk.post(role, path, body, 403)
        assert f"{role} may not do this" in refused["detail"], (role, path)
    member = str(desk.roster.member)
    assert desk.get("reviewer", f"/members/{member}/ledger")["total"] == 0
    assert desk.get("reviewer", "/periods")["items"] == []


def test_reads_need_a_token(client: TestClient, desk: Desk) -> None:
    member = desk.roster.member
    for path in (
        "/point-rules",
        f"/members/{member}/ledger",
        f"/members/{member}/totals?year={Y}",
        f"/members/{member}/explain?year={Y}",
        f"/rankings?year={Y}",
        "/adjustments",
        "/periods",
        "/objections",
        f"/objections/{MISSING}/history",
        f"/selections/{Y}",
    ):
        expect(client.get(path), 401)


BAD_AWARDS: list[tuple[dict[str, Any], str]] = [
    ({"rule_code": "no_such_rule"}, "rule_code"),
    ({"rule_code": "学习"}, "rule_code"),
    ({"rule_code": "x" * 33}, "rule_code"),
    ({"deed_on": "2999-01-01"}, "deed_on"),
    ({"deed_on": "yesterday"}, "deed_on"),
    ({"deed_on": None}, "deed_on"),
    ({"evidence_kind": "photo"}, "evidence_kind"),
    ({"evidence_kind": "request"}, "evidence_ref"),
    ({"evidence_kind": "request", "evidence_ref": MISSING}, "evidence_ref"),
    ({"evidence_kind": "activity", "evidence_ref": "not-an-id"}, "evidence_ref"),
    ({"note": None}, "note"),
    ({"note": "x" * 501}, "note"),
    ({"actor": "admin"}, "actor"),
    ({"points": 100}, "points"),
]


def test_bad_input_is_422_naming_the_field(desk: Desk) -> None:
    member = str(desk.roster.member)
    valid = {"rule_code": "study", "deed_on": TODAY.isoformat(), "note": "学习党章"}
    for changes, field in BAD_AWARDS:
        refused = desk.post("clerk", f"/members/{member}/awards", {**valid, **changes}, 422)
        assert refused["field"] == field, changes
    deduct = {**valid, "rule_code": "breach"}
    assert desk.post("clerk", f"/members/{member}/awards", deduct, 409)["rule"] == "use_deduction"
    assert desk.get("clerk", f"/members/{member}/ledger")["total"] == 0
    assert desk.post("clerk", "/members/not-an-id/awards", valid, 422)["field"] == "member_id"

    for path, body, field in [
        ("/activities", activity_body(desk.org, rule_code="breach"), "rule_code"),
        ("/activities", activity_body(desk.org, community_id=str(desk.org.branch)), "community_id"),
        ("/activities", activity_body(desk.org, held_on=None), "held_on"),
        ("/activities", activity_body(desk.org, title=""), "title"),
        (f"/activities/{desk.roster.activity}/attendance", {"member_ids": []}, "member_ids"),
        (f"/activities/{desk.roster.activity}/attendance", {"member_ids": ["x"]}, "member_ids.0"),
        (
            "/adjustments/deductions",
            {
                "member_id": member,
                "rule_code": "study",
                "deed_on": TODAY.isoformat(),
                "reason": "x",
            },
            "rule_code",
        ),
        (
            "/adjustments/deductions",
            {"member_id": member, "rule_code": "breach", "deed_on": TODAY.isoformat()},
            "reason",
        ),
        (
            "/adjustments/reversals",
            {"member_id": member, "year": Y, "entry_id": MISSING, "reason": "x"},
            "entry_id",
        ),
        (
            "/adjustments/reversals",
            {"member_id": member, "year": "2024", "entry_id": MISSING, "reason": "x"},
            "year",
        ),
        (
            "/point-rules",
            {"code": "Bad Code", "name_zh": "x", "name_en": "x", "category": "study", "points": 1},
            "code",
        ),
        (
            "/point-rules",
            {"code": "fun", "name_zh": "x", "name_en": "x", "category": "fun", "points": 1},
            "category",
        ),
        (
            "/point-rules",
            {"code": "zero", "name_zh": "x", "name_en": "x", "category": "study", "points": 0},
            "points",
        ),
        (
            "/point-rules",
            {"code": "half", "name_zh": "x", "name_en": "x", "category": "study", "points": 1.5},
            "points",
        ),
        ("/point-rules/study/revise", {"points": 3, "reason": "x"}, "effective_from"),
        (
            "/point-rules/nothing/revise",
            {"points": 3, "effective_from": day(7, 1), "reason": "x"},
            "code",
        ),
        (f"/selections/{Y}/confirm", {"chosen": "everyone"}, "chosen"),
        ("/objections", {"member_id": member, "year": Y}, "text"),
    ]:
        refused = desk.post("admin", path, body, 422)
        assert refused["field"] == field, (path, body)


def test_an_objection_needs_a_closed_year_and_a_correction(desk: Desk) -> None:
    member = str(desk.roster.member)
    objection = {"member_id": member, "year": Y, "text": "有误"}
    assert desk.post("cadre", "/objections", objection, 409)["rule"] == "period_open"
    desk.post("supervisor", f"/periods/{Y}/close")
    assert desk.post("supervisor", f"/periods/{Y}/close", None, 409)["rule"] == "period_closed"
    filed = desk.post("cadre", "/objections", objection, 201)["id"]
    for body, field in (
        ({"reason": "x"}, "award_rule"),
        ({"reason": "x", "award_rule": "study", "reverse_entry": MISSING}, "award_rule"),
        ({"reason": "x", "award_rule": "study", "deed_on": TODAY.isoformat()}, "deed_on"),
        ({"reason": "x", "award_rule": "nothing", "deed_on": day(5, 1)}, "award_rule"),
    ):
        refused = desk.post("supervisor", f"/objections/{filed}/uphold", body, 422)
        assert refused["field"] == field, body
    no_entry = {"reason": "x", "reverse_entry": MISSING}
    assert desk.post("supervisor", f"/objections/{filed}/uphold", no_entry, 409)["rule"] == (
        "no_such_entry"
    )
    assert desk.get("clerk", "/objections")["total"] == 1
    assert desk.post("supervisor", f"/selections/{Y}", {"per_branch": 3}, 409)["rule"] == (
        "period_not_final"
    )


def test_queries_check_their_parameters(desk: Desk) -> None:
    member = desk.roster.member
    for path, params, field in (
        (f"/members/{member}/totals", {}, "year"),
        (f"/members/{member}/totals", {"year": "last"}, "year"),
        (f"/members/{member}/explain", {"year": Y, "quarter": 5}, "quarter"),
        (f"/members/{member}/ledger", {"year": 0}, "year"),
        ("/rankings", {}, "year"),
        ("/rankings", {"year": Y, "quarter": 0}, "quarter"),
        ("/rankings", {"year": Y, "branch_id": "first"}, "branch_id"),
        ("/adjustments", {"state": "approved"}, "state"),
        ("/objections", {"state": "lost"}, "state"),
        ("/objections", {"limit": 501}, "limit"),
        ("/selections/nineteen", {}, "year"),
    ):
        assert desk.get("clerk", path, 422, **params)["field"] == field, (path, params)


def test_what_does_not_exist(desk: Desk) -> None:
    for path, params in (
        (f"/members/{MISSING}/ledger", {}),
        (f"/members/{MISSING}/totals", {"year": Y}),
        (f"/members/{MISSING}/explain", {"year": Y}),
        (f"/objections/{MISSING}/history", {}),
        (f"/objections/{desk.roster.request}/history", {}),  # a request is not an objection
        (f"/selections/{Y}", {}),
    ):
        desk.get("clerk", path, 404, **params)
    award_body = {"rule_code": "study", "deed_on": TODAY.isoformat(), "note": "x"}
    desk.post("clerk", f"/members/{MISSING}/awards", award_body, 404)
    desk.post("clerk", f"/activities/{MISSING}/attendance", {"member_ids": [MISSING]}, 404)
    desk.post("supervisor", f"/adjustments/{MISSING}/approve", None, 404)
    desk.post("supervisor", f"/objections/{MISSING}/reject", {"reason": "x"}, 404)
    attendance = {"member_ids": [MISSING]}
    desk.post("clerk", f"/activities/{desk.roster.activity}/attendance", attendance, 404)
