"""Every member's total in the demo is explained: the lines of "why is my total X" add
up to the total the read model shows, and that total is the one the member's ledger
(the events themselves) arrives at."""

from __future__ import annotations

import sqlalchemy as sa

from cli.demo import DEMO_PASSWORD
from domain.points import Ledger
from projections.roster import members
from projections.system import System


def test_the_explanation_adds_up_for_every_member_of_the_demo(demo: System) -> None:
    reviewer = demo.app.authenticate("demo-reviewer", DEMO_PASSWORD)
    this_year = demo.app.today().year
    with demo.db.read.connect() as conn:
        everyone = list(conn.execute(sa.select(members.c.id)).scalars())
    assert len(everyone) > 250
    explained = 0
    for member in everyone:
        for year in (this_year - 2, this_year - 1, this_year):
            why = demo.points.explain(member, actor=reviewer, year=year)
            totals = demo.points.totals(member, actor=reviewer, year=year)
            assert sum(line["counted"] for line in why["lines"]) == why["total"]
            assert why["total"] == totals["points"], (member, year)
            assert sum(line["counted_stars"] for line in why["lines"]) == totals["stars"]
            ledger = demo.app._find(Ledger, Ledger.id_for(member, year))
            assert (ledger.points if ledger else 0) == why["total"], (member, year)
            assert (ledger.stars if ledger else 0) == totals["stars"], (member, year)
            explained += bool(why["lines"])
    # Most members have entries in the two back-filled years.
    assert explained > len(everyone)


def test_the_demo_has_a_final_year_with_its_selection_and_an_open_window(demo: System) -> None:
    reviewer = demo.app.authenticate("demo-reviewer", DEMO_PASSWORD)
    this_year = demo.app.today().year
    periods = {p["year"]: p for p in demo.points.periods(actor=reviewer)}
    assert periods[this_year - 2]["state"] == "final"
    assert periods[this_year - 1]["state"] == "publicity"
    assert periods[this_year - 1]["open_objections"] == 1
    published = demo.points.public_selection(this_year - 2)
    assert published["members"]
    assert demo.points.pending_approvals(actor=reviewer).total == 0
