"""`flask seed-demo` reads like the register: the plan's figures at decision, intakes as the
scheme ran them (a cohort in every fiscal year, named by year from fiscal 2022, windows of
weeks), about two thirds of cohorts 1–2 renewed on time, no two organisations with the same
2030 vision or key actions, and dates that agree (a logo permit issued before its period starts;
達成 only where the reported value reached the target)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.extensions import db
from portal.core.i18n import JST, today_jst


def _fiscal_year(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


@pytest.fixture(scope="module")
def demo(app) -> dict:
    """The demo seeded once for the module, read into plain data (the tables are emptied after
    each test)."""
    from portal.applications.models import Application
    from portal.cohorts.models import Cohort
    from portal.logos.models import LogoPermit
    from portal.registrations.models import Registration
    from portal.reports.models import ProgressReport, ReportLine

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    kpi = runner.invoke(args=["report", "kpi", "--format", "json"])
    assert kpi.exit_code == 0, kpi.output
    with app.app_context():
        cohorts = [{"number": c.number, "name": c.display_name, "state": c.state.value, "imported": c.imported,
                    "opens": c.opens_at.astimezone(JST), "closes": c.closes_at.astimezone(JST),
                    "decided_on": c.decided_on, "id": c.id}
                   for c in db.session.scalars(select(Cohort).order_by(Cohort.number))]
        by_id = {c["id"]: c for c in cohorts}
        registrations = {r.id: {"number": r.number, "cohort": by_id[r.cohort_id]["number"], "in_city": r.in_city,
                                "registered_on": r.registered_on, "valid_until": r.valid_until,
                                "organisation": r.organisation_id}
                         for r in db.session.scalars(select(Registration))}
        applications = [{"organisation": a.organisation_id, "kind": a.kind.value, "state": a.state.value,
                         "cohort": by_id[a.cohort_id], "registration": a.registration_id,
                         "vision": (a.content or {}).get("vision"), "actions": (a.content or {}).get("actions") or []}
                        for a in db.session.scalars(select(Application))]
        permits = [{"number": p.number, "decided_at": p.decided_at, "valid_from": p.valid_from}
                   for p in db.session.scalars(select(LogoPermit).where(LogoPermit.number.is_not(None)))]
        lines = [{"registration": report.registration_id, "filed_at": report.filed_at, "key": line.action_key,
                  "value": line.value_number, "status": line.status.value}
                 for report in db.session.scalars(select(ProgressReport)) for line in report.lines]
    return {"kpi": json.loads(kpi.output), "cohorts": cohorts, "registrations": registrations,
            "applications": applications, "permits": permits, "lines": lines}


def test_cohorts_1_and_2_keep_the_plans_figures_at_decision(demo):
    figures = {}
    for registration in demo["registrations"].values():
        if registration["cohort"] in (1, 2):
            total, in_city = figures.get(registration["cohort"], (0, 0))
            figures[registration["cohort"]] = (total + 1, in_city + bool(registration["in_city"]))
    assert figures == {1: (441, 274), 2: (570, 319)}
    # The KPI report says the same of them.
    reported = {c["number"]: (c["registered"], c["in_city"]) for c in demo["kpi"]["cohorts"] if c["number"] in (1, 2)}
    assert reported == {1: (441, 274), 2: (570, 319)}


def test_a_cohort_in_every_fiscal_year_with_windows_of_weeks_named_by_year_from_2022(demo):
    cohorts = demo["cohorts"]
    years = {_fiscal_year(c["opens"].date()) for c in cohorts}
    assert set(range(2021, _fiscal_year(today_jst()) + 1)) <= years
    for cohort in cohorts:
        assert cohort["closes"] - cohort["opens"] > timedelta(days=1), cohort["number"]
        if cohort["decided_on"]:
            assert cohort["closes"].date() <= cohort["decided_on"], cohort["number"]
    first, second = cohorts[0], cohorts[1]
    assert (first["opens"].date().isoformat(), first["name"]) == ("2021-04-01", None)
    assert (second["opens"].date().isoformat(), second["name"]) == ("2021-10-01", None)
    # Numbered in order of decision; from fiscal 2022 named 「令和N年度第k期」 after the intake's year.
    decided = [c["decided_on"] for c in cohorts if c["decided_on"]]
    assert decided == sorted(decided)
    named = [c for c in cohorts if _fiscal_year(c["opens"].date()) >= 2022]
    assert named and all(re.fullmatch(r"令和(\d+)年度第(\d)期", c["name"]) for c in named)
    for cohort in named:
        year, ordinal = map(int, re.fullmatch(r"令和(\d+)年度第(\d)期", cohort["name"]).groups())
        assert year + 2018 == _fiscal_year(cohort["opens"].date())
    assert len({c["name"] for c in named}) == len(named)
    # No gap of more than a year between decisions from the first to the last decided cohort.
    assert all((b - a).days < 366 for a, b in zip(decided, decided[1:]))


def test_about_two_thirds_of_cohorts_1_and_2_renewed_on_time_under_the_same_number(demo):
    from portal.registrations.terms import add_months, term_end

    registrations = demo["registrations"]
    renewals = {a["registration"]: a for a in demo["applications"]
                if a["kind"] == "renewal" and a["state"] == "approved"}
    for number, decided_on in ((1, "2021-08-25"), (2, "2022-01-20")):
        ids = [i for i, r in registrations.items() if r["cohort"] == number]
        renewed = [i for i in ids if i in renewals]
        assert 0.60 <= len(renewed) / len(ids) <= 0.75, (number, len(renewed), len(ids))
        first_end = term_end(registrations[ids[0]]["registered_on"])
        assert registrations[ids[0]]["registered_on"].isoformat() == decided_on
        for i in renewed:
            cohort = renewals[i]["cohort"]
            # Decided on time (before the first term ended), in the six months before it ended.
            assert add_months(first_end, -6) <= cohort["decided_on"] <= first_end
            assert registrations[i]["valid_until"] == add_months(first_end, 36)
            assert re.fullmatch(rf"KS{number:02d}-\d{{4}}", registrations[i]["number"])
        for i in set(ids) - set(renewed):
            assert registrations[i]["valid_until"] == first_end


def test_no_two_organisations_share_a_vision_or_a_set_of_key_actions(demo):
    visions, action_sets = {}, {}
    for application in demo["applications"]:
        if application["vision"]:
            visions.setdefault(application["vision"], set()).add(application["organisation"])
        if application["actions"]:
            signature = tuple((a.get("area"), a.get("description"), a.get("indicator"), a.get("current_value"),
                               a.get("target_value")) for a in application["actions"])
            action_sets.setdefault(signature, set()).add(application["organisation"])
    assert len(visions) > 900  # the renewals of the imported registrants (948) have theirs
    shared = {vision: owners for vision, owners in visions.items() if len(owners) > 1}
    assert not shared
    assert not {s: owners for s, owners in action_sets.items() if len(owners) > 1}
    # The old demo's one vision and its one action are gone.
    assert "2030年、地域の水と緑を守りながら、働く人と地域に選ばれる会社であり続けます。" not in visions
    descriptions = [a["description"] for application in demo["applications"] for a in application["actions"]]
    assert descriptions.count("県内の取引先からの調達比率を高め、地域経済の循環に貢献する。") == 0
    # Written for the industry: a farm's plan speaks of farming, a builder's of building.
    farms = [a["vision"] for a in demo["applications"] if a["vision"] and "農" in a["vision"]]
    assert farms


def test_logo_permits_are_issued_before_their_period_starts(demo):
    assert len(demo["permits"]) >= 3
    for permit in demo["permits"]:
        assert permit["decided_at"].astimezone(JST).date() <= permit["valid_from"], permit["number"]


def test_an_action_is_reported_achieved_only_where_its_value_reached_the_target(demo):
    achieved = [line for line in demo["lines"] if line["status"] == "achieved"]
    assert achieved
    for line in achieved:
        in_force = [a for a in demo["applications"]
                    if a["registration"] == line["registration"] and a["state"] == "approved"
                    and a["cohort"]["decided_on"] <= line["filed_at"].astimezone(JST).date()]
        in_force.sort(key=lambda a: a["cohort"]["decided_on"])
        action = next(a for a in in_force[-1]["actions"] if a.get("key") == line["key"])
        current, target = float(action["current_value"]), float(action["target_value"])
        assert line["value"] is not None
        assert (line["value"] >= target) if target >= current else (line["value"] <= target), (line, action)

