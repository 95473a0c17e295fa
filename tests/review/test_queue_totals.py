"""The review queue's total against its pages: for each combination of filters, the total the
page states is the number of rows its pages list one after the other, and those rows are the
applications the filters select, in the queue's order — whether the total comes from the counts
per state or from a count of its own."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.applications import operations
from portal.applications.models import Application
from portal.core.extensions import db

QUEUE = "/staff/review/"


@pytest.fixture
def queue(app, make_cohort, make_submitted, reviewer, secretariat):
    """Two open cohorts (4 is the current one: it closes later) with applications in several
    states and places, some assigned to the reviewer; returns the cohorts' ids."""
    older = make_cohort(number=3, closes_in_days=20)
    current = make_cohort(number=4, closes_in_days=30)
    plan = [(older, "submitted", "kumamoto", "E"), (older, "under_review", "yatsushiro", "D"),
            (older, "draft", "kumamoto", "E"), (older, "submitted", "mismatch", "D"),
            (current, "submitted", "kumamoto", "D"), (current, "under_review", "kumamoto", "E"),
            (current, "submitted", "yatsushiro", "E"), (current, "draft", "yatsushiro", "E"),
            (current, "under_review", "mismatch", "E"), (current, "submitted", "kumamoto", "E"),
            (current, "submitted", "yatsushiro", "D")]
    ids = [make_submitted(cohort, where=where, industry=industry, state=state, name_kana=f"カナ{9 - n % 10}")
           for n, (cohort, state, where, industry) in enumerate(plan)]
    with app.test_request_context():
        for application_id in ids[1::3]:
            application = db.session.get(Application, application_id)
            if application.state != "draft":
                operations.assign_reviewer(application, db.session.get(User, reviewer),
                                           db.session.get(User, secretariat))
        db.session.commit()
    return {"older": older, "current": current}


def _combos(cohorts: dict[str, int], reviewer: int) -> list[dict[str, str]]:
    return [
        {},  # the default: the current cohort's actionable applications
        {"state": ""},
        {"state": "bogus"},  # not a state: every state
        {"cohort": str(cohorts["older"]), "state": "submitted"},
        {"cohort": str(cohorts["current"]), "state": ""},
        {"cohort": str(cohorts["current"]), "state": "actionable", "sort": "submitted"},
        {"state": "actionable", "reviewer": "mine"},
        {"state": "", "reviewer": "unassigned", "where": "in_city"},
        {"state": "", "where": "outside", "sort": "name"},
        {"cohort": str(cohorts["current"]), "state": "actionable", "industry": "D"},
        {"state": "", "municipality": "43100", "reviewer": str(reviewer)},
    ]


def _expected(app, args: dict[str, str], cohorts: dict[str, int], reviewer: int) -> list[int]:
    """The ids the arguments select, in the queue's order, read in Python."""
    if not args:
        args = {"cohort": str(cohorts["current"]), "state": "actionable"}
    with app.app_context():
        rows = db.session.scalars(select(Application)).unique().all()

        def selected(a: Application) -> bool:
            organisation = a.organisation
            return all((
                a.state != "draft",
                not args.get("cohort") or a.cohort_id == int(args["cohort"]),
                args.get("state") != "actionable" or a.state in ("submitted", "under_review"),
                args.get("state") not in ("submitted", "under_review") or a.state == args["state"],
                args.get("reviewer") != "mine" or a.reviewer_id == reviewer,
                args.get("reviewer") != "unassigned" or a.reviewer_id is None,
                not (args.get("reviewer") or "").isdigit() or a.reviewer_id == int(args["reviewer"]),
                args.get("where") != "in_city" or organisation.in_city,
                args.get("where") != "outside" or not organisation.in_city,
                args.get("municipality") != "43100" or organisation.in_city,
                not args.get("industry") or organisation.industry == args["industry"],
            ))

        found = [a for a in rows if selected(a)]
        if args.get("sort") == "name":
            found.sort(key=lambda a: (a.organisation.name_kana, a.id))
        elif args.get("sort") == "submitted":
            found.sort(key=lambda a: (a.submitted_at, a.id))
        else:
            found.sort(key=lambda a: (a.submitted_at, a.id), reverse=True)
        return [a.id for a in found]


def test_the_total_is_the_rows_of_every_page(app, queue, reviewer, staff_client, monkeypatch):
    from portal.review import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = staff_client(reviewer)
    for args in _combos(queue, reviewer):
        expected = _expected(app, args, queue, reviewer)
        listed, totals, number = [], set(), 1
        while True:
            html = client.get(QUEUE, query_string={"lang": "en", **args, "page": number}).get_data(as_text=True)
            totals.add(int(re.search(r"<caption>(\d+) applications?</caption>", html).group(1)))
            rows = [int(n) for n in re.findall(r'<tr id="application-(\d+)"', html)]
            if not rows:
                break
            listed += rows
            number += 1
        assert totals == {len(expected)}, args
        assert listed == expected, args
    assert any(len(_expected(app, args, queue, reviewer)) > 2 for args in _combos(queue, reviewer))
