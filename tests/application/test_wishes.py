"""Micro-wishes (微心愿): posted for a resident, claimed by a member, fulfilled,
confirmed by someone else, published without personal data."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.dto import WishDraft
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.personal import mask_name, mask_phone
from projections.system import System
from tests.application.support import (
    REQUESTER,
    REQUESTER_PHONE,
    Clock,
    Desk,
    People,
    events_after,
    names,
    refused,
    wish_in,
)
from tests.conftest import Org, Staff, household_draft

WISH = "看报纸看不清，想要一副老花镜"


def draft(org: Org, **overrides: object) -> WishDraft:
    values: dict[str, object] = dict(
        community_id=org.community,
        branch_id=org.branch,
        title="想要一副老花镜",
        wish=WISH,
        resident_name=REQUESTER,
        contact_phone=REQUESTER_PHONE,
    )
    values.update(overrides)
    return WishDraft(**values)  # type: ignore[arg-type]


def test_a_micro_wish_is_posted_claimed_fulfilled_confirmed_and_published(
    system: System, staff: Staff, org: Org, people: People, clock: Clock
) -> None:
    app, do = system.app, Desk(system)
    t0 = clock.now
    e = do(staff.clerk, "post_wish", draft(org))
    wid = e.originator_id
    assert (e.community_id, e.branch_id, e.title, e.household_id, e.posted_at) == (
        org.community,
        org.branch,
        "想要一副老花镜",
        None,
        t0,
    )
    assert REQUESTER not in e.personal and WISH not in e.personal

    clock.advance(hours=1)
    e = do(staff.cadre, "claim_wish", wid)
    assert (e.member_id, e.at) == (people.cadre, clock.now)
    with refused(system, RuleViolationError, rule="already_claimed"):
        app.claim_wish(wid, actor=staff.supervisor)
    assert do(staff.cadre, "release_wish", wid, "这周出差").reason == "这周出差"

    # A clerk records the claim of a member without an account, and acts for them.
    clock.advance(hours=1)
    assert do(staff.clerk, "claim_wish", wid, member_id=people.helper).member_id == people.helper
    with refused(system, PermissionDeniedError):
        app.fulfil_wish(wid, "送到了", actor=staff.cadre)  # not the cadre's wish
    with refused(system, PermissionDeniedError):
        app.release_wish(wid, "不做了", actor=staff.cadre)
    clock.advance(hours=20)
    e = do(staff.clerk, "fulfil_wish", wid, "送到老人家中，试戴合适")
    assert e.at == clock.now and e.note.startswith("v1:")
    assert do(staff.clerk, "send_back_wish", wid, "度数不对").reason == "度数不对"
    assert app.get_wish(wid, actor=staff.reviewer).state == "claimed"
    do(staff.clerk, "fulfil_wish", wid, "换了一副合适的")
    do(staff.clerk, "confirm_wish", wid)

    for summary in (f"为{REQUESTER}送去老花镜", f"电话{REQUESTER_PHONE}", "联系电话 138 1234 5678"):
        with refused(system, InvalidInputError, field="summary", case=summary):
            app.publish_wish(wid, summary, actor=staff.supervisor)
    assert do(staff.supervisor, "publish_wish", wid, "为独居老人送去老花镜").summary == (
        "为独居老人送去老花镜"
    )

    detail = app.get_wish(wid, actor=staff.reviewer)
    assert (detail.kind, detail.state, detail.claimant_id, detail.summary) == (
        "wish",
        "published",
        people.helper,
        "为独居老人送去老花镜",
    )
    assert detail.details == {
        "wish": WISH,
        "resident_name": mask_name(REQUESTER),
        "contact_phone": mask_phone(REQUESTER_PHONE),
        "household_id": None,
    }
    assert detail.moves == [
        {"move": "released", "from": people.cadre, "reason": "这周出差"},
        {"move": "sent_back", "to": people.helper, "reason": "度数不对"},
    ]
    history = app.get_history(wid, actor=staff.reviewer)
    assert [(h.event, h.actor) for h in history] == [
        ("Wish.Posted", "clerk"),
        ("Wish.Claimed", "cadre"),
        ("Wish.Released", "cadre"),
        ("Wish.Claimed", "clerk"),
        ("Wish.Fulfilled", "clerk"),
        ("Wish.SentBack", "clerk"),
        ("Wish.Fulfilled", "clerk"),
        ("Wish.Confirmed", "clerk"),
        ("Wish.Published", "supervisor"),
    ]
    assert history[0].fields["personal"] == "[sealed]"
    assert history[4].fields["note"] == "送到老人家中，试戴合适"


def test_a_wish_is_posted_for_a_named_resident_or_a_household_of_the_community(
    system: System, staff: Staff, org: Org
) -> None:
    app = system.app
    cases: list[tuple[str, dict[str, object]]] = [
        ("title", {"title": ""}),
        ("title", {"title": f"{REQUESTER}想要老花镜"}),
        ("title", {"title": f"请联系{REQUESTER_PHONE}"}),
        ("wish", {"wish": " "}),
        ("resident_name", {"resident_name": None}),
        ("contact_phone", {"contact_phone": "123"}),
        ("community_id", {"community_id": org.branch}),
        ("household_id", {"household_id": "nonsense"}),
    ]
    for field, change in cases:
        with refused(system, InvalidInputError, field=field, case=change):
            app.post_wish(draft(org, **change), actor=staff.clerk)
    elsewhere = app.register_household(household_draft(org.other_branch), actor=staff.clerk).id
    with refused(system, InvalidInputError, field="household_id"):
        app.post_wish(draft(org, household_id=elsewhere), actor=staff.clerk)
    with refused(system, NotFoundError):
        app.post_wish(draft(org, household_id=uuid4()), actor=staff.clerk)
    home = app.register_household(household_draft(org.branch), actor=staff.clerk).id
    wid = app.post_wish(
        draft(org, household_id=home, resident_name=None, contact_phone=None), actor=staff.cadre
    ).id
    detail = app.get_wish(wid, actor=staff.clerk)
    assert detail.details["household_id"] == str(home)
    assert (detail.details["resident_name"], detail.state) == (None, "open")


def test_a_published_wish_never_names_the_household_head(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, sup = system.app, staff.supervisor
    home = app.register_household(
        household_draft(org.branch, head_name="司马建国"), actor=staff.clerk
    ).id
    wid = app.post_wish(
        draft(org, household_id=home, resident_name=None, contact_phone=None), actor=staff.clerk
    ).id
    app.claim_wish(wid, member_id=people.helper, actor=staff.clerk)
    app.fulfil_wish(wid, "送到", actor=staff.clerk)
    app.confirm_wish(wid, actor=staff.clerk)
    with refused(system, InvalidInputError, field="summary"):
        app.publish_wish(wid, "为司马建国家送去老花镜", actor=sup)
    app.publish_wish(wid, "为1号楼老人送去老花镜", actor=sup)


def test_nobody_confirms_their_own_fulfilment(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, sup = system.app, staff.supervisor
    wid = wish_in(system, sup, org, "open")
    app.claim_wish(wid, actor=sup)  # the supervisor's account is a member
    app.fulfil_wish(wid, "送到了", actor=sup)
    with refused(system, RuleViolationError, rule="own_fulfilment"):
        app.confirm_wish(wid, actor=sup)
    app.confirm_wish(wid, actor=staff.clerk)
    assert app.get_wish(wid, actor=sup).state == "confirmed"


def test_each_step_of_a_wish_is_refused_outside_its_states(
    system: System, staff: Staff, org: Org, people: People
) -> None:
    app, sup, helper = system.app, staff.supervisor, people.helper
    wishes: dict[str, UUID] = {
        state: wish_in(system, sup, org, state, claimant=helper)
        for state in ("open", "claimed", "fulfilled", "confirmed", "published")
    }
    wishes["withdrawn"] = wish_in(system, sup, org, "open")
    app.withdraw_wish(wishes["withdrawn"], "居民已搬走", actor=staff.clerk)
    steps = {
        "claim": (lambda w: app.claim_wish(w, member_id=people.helper2, actor=sup), {"open"}),
        "release": (lambda w: app.release_wish(w, "x", actor=sup), {"claimed"}),
        "fulfil": (lambda w: app.fulfil_wish(w, "x", actor=sup), {"claimed"}),
        "confirm": (lambda w: app.confirm_wish(w, actor=sup), {"fulfilled"}),
        "send_back": (lambda w: app.send_back_wish(w, "x", actor=sup), {"fulfilled"}),
        "publish": (lambda w: app.publish_wish(w, "送去老花镜", actor=sup), {"confirmed"}),
        "withdraw": (lambda w: app.withdraw_wish(w, "x", actor=sup), {"open", "claimed"}),
    }
    for state, wid in wishes.items():
        for name, (act, allowed) in steps.items():
            if state in allowed:
                continue
            rule = "already_claimed" if (name, state) == ("claim", "claimed") else f"{name}_state"
            with refused(system, RuleViolationError, rule=rule, case=(name, state)):
                act(wid)
    with refused(system, NotFoundError):
        app.claim_wish(uuid4(), member_id=helper, actor=sup)
    for call in (
        lambda: app.release_wish(wishes["claimed"], " ", actor=sup),
        lambda: app.withdraw_wish(wishes["claimed"], "", actor=sup),
        lambda: app.send_back_wish(wishes["fulfilled"], "", actor=sup),
    ):
        with refused(system, InvalidInputError, field="reason"):
            call()
    with refused(system, InvalidInputError, field="note"):
        app.fulfil_wish(wishes["claimed"], "", actor=sup)
    # Once claimed, a wish is taken off the board by the committee, not by any cadre.
    with refused(system, PermissionDeniedError):
        app.withdraw_wish(wishes["claimed"], "居民住院", actor=staff.cadre)
    start = app.last_position()
    app.withdraw_wish(wishes["claimed"], "居民住院", actor=staff.clerk)
    assert names(events_after(system, start)) == ["Wish.Withdrawn"]
