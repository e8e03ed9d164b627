"""Personal data over HTTP: contact details masked until someone says why they need them
(and that is recorded); an admin erases a person; audit readers see who looked at whom."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.conftest import HOUSEHOLD, MEMBER, MISSING, Desk, Tokens, expect


def test_an_admin_erases_a_member_and_every_output_reads_erased(desk: Desk) -> None:
    member = str(desk.roster.member)
    erased = desk.post(
        "admin", "/personal/erasures", {"subject_id": member, "reason": "本人书面申请"}, 201
    )
    assert (erased["subject_id"], erased["subject_kind"], erased["erased"]) == (
        member,
        "member",
        [member],
    )
    assert erased["purged"] is True and erased["completed"] is False
    detail = desk.get("clerk", f"/members/{member}")
    assert (detail["erased"], detail["name"], detail["phone"]) == (True, "[erased]", None)
    history = desk.get("reviewer", f"/members/{member}/history")
    assert history["items"][0]["fields"]["personal"] == "[erased]"
    assert desk.get("clerk", "/members", q=MEMBER["phone"])["total"] == 0
    (row,) = [m for m in desk.get("clerk", "/members")["items"] if m["id"] == member]
    assert (row["name"], row["phone"]) == ("[erased]", None)
    # Erased once: the second time is refused, naming the rule.
    again = desk.post("admin", "/personal/erasures", {"subject_id": member, "reason": "again"}, 409)
    assert again["rule"] == "already_erased"
    # Nothing to show any more, and nothing recorded for trying.
    refused = desk.post(
        "clerk", "/personal/disclosures", {"subject_id": member, "reason": "回访"}, 409
    )
    assert refused["rule"] == "erased"
    assert desk.get("reviewer", "/personal/disclosures", subject_id=member)["total"] == 0
    (listed,) = desk.get("reviewer", "/personal/erasures")["items"]
    assert (listed["subject_id"], listed["erased_by"], listed["reason"]) == (
        member,
        "admin",
        "本人书面申请",
    )


def test_erasing_a_household_names_its_requests_and_wishes(desk: Desk) -> None:
    r = desk.roster
    erased = desk.post(
        "admin", "/personal/erasures", {"subject_id": str(r.household), "reason": "户主申请"}, 201
    )
    assert erased["subject_kind"] == "household"
    assert erased["erased"][0] == str(r.household)
    assert set(erased["erased"]) == {str(r.household), str(r.request), str(r.wish)}
    assert desk.get("clerk", f"/requests/{r.request}")["description"] == "[erased]"
    assert desk.get("clerk", f"/households/{r.household}")["head_name"] == "[erased]"
    (row,) = desk.get("clerk", "/requests", q=r.receipt_code)["items"]
    assert row["excerpt"] == "[erased]"


def test_only_an_admin_erases_with_a_reason_and_an_existing_person(desk: Desk) -> None:
    body = {"subject_id": str(desk.roster.member), "reason": "本人申请"}
    for role in ("clerk", "cadre", "supervisor", "reviewer"):
        answer = desk.post(role, "/personal/erasures", body, 403)
        assert "personal.erase" in answer["detail"]
    for bad in (
        {"subject_id": body["subject_id"]},
        {**body, "reason": ""},
        {**body, "reason": " "},
    ):
        assert desk.post("admin", "/personal/erasures", bad, 422)["field"] == "reason"
    answer = desk.post("admin", "/personal/erasures", {**body, "subject_id": "nobody"}, 422)
    assert answer["field"] == "subject_id"
    answer = desk.post("admin", "/personal/erasures", {**body, "subject_id": MISSING}, 404)
    assert answer["detail"] == f"person not found: {MISSING}"
    unit = {**body, "subject_id": str(desk.org.branch)}  # a grid branch is nobody
    desk.post("admin", "/personal/erasures", unit, 404)
    assert desk.get("clerk", f"/members/{desk.roster.member}")["erased"] is False


def test_contact_details_are_masked_until_someone_says_why(
    desk: Desk, client: TestClient, tokens: Tokens
) -> None:
    member = str(desk.roster.member)
    assert desk.get("clerk", f"/members/{member}")["phone"] == "138****5678"
    response = client.post(
        "/personal/disclosures",
        json={"subject_id": member, "reason": "电话通知参加主题党日"},
        headers=tokens.cadre,
    )
    shown = expect(response, 201)
    assert response.headers["cache-control"] == "no-store"
    assert (shown["subject_id"], shown["subject_kind"]) == (member, "member")
    assert shown["fields"] == {"phone": MEMBER["phone"], "address": MEMBER["address"]}
    desk.position = shown["position"]

    # A household's request shows the household's contact, recorded against it.
    r = desk.roster
    household = desk.post(
        "clerk", "/personal/disclosures", {"subject_id": str(r.request), "reason": "上门"}, 201
    )
    assert (household["subject_id"], household["subject_kind"]) == (str(r.household), "household")
    assert household["fields"] == {
        "unit": HOUSEHOLD["unit"],
        "room": HOUSEHOLD["room"],
        "head_phone": HOUSEHOLD["head_phone"],
    }

    # Who looked at whom: for supervisors and reviewers, never the values.
    for role in ("supervisor", "reviewer", "admin"):
        page = desk.get(role, "/personal/disclosures", subject_id=member)
        (row,) = page["items"]
        assert (row["viewer"], row["reason"], row["fields"]) == (
            "cadre",
            "电话通知参加主题党日",
            ["phone", "address"],
        )
        assert MEMBER["phone"] not in str(page) and MEMBER["address"] not in str(page)
    by_clerk = desk.get("reviewer", "/personal/disclosures", viewer="clerk")
    assert [d["subject_id"] for d in by_clerk["items"]] == [str(r.household)]
    desk.get("clerk", "/personal/disclosures", status=403)
    desk.get("cadre", "/personal/erasures", status=403)


def test_a_showing_needs_a_reason_and_the_right(desk: Desk) -> None:
    member = str(desk.roster.member)
    answer = desk.post(
        "reviewer", "/personal/disclosures", {"subject_id": member, "reason": "x"}, 403
    )
    assert "personal.reveal" in answer["detail"]
    for bad in ({"subject_id": member}, {"subject_id": member, "reason": ""}):
        assert desk.post("clerk", "/personal/disclosures", bad, 422)["field"] == "reason"
    desk.post("clerk", "/personal/disclosures", {"subject_id": MISSING, "reason": "x"}, 404)
    anonymous = desk.place(requester_kind="anonymous", contact_name=..., contact_phone=...)
    answer = desk.post(
        "clerk", "/personal/disclosures", {"subject_id": anonymous, "reason": "回访"}, 409
    )
    assert answer["rule"] == "no_contact"
    assert desk.get("reviewer", "/personal/disclosures")["total"] == 0
