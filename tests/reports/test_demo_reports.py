"""`flask seed-demo`: two past reporting periods reported, a current one half reported."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.core.extensions import db


def test_seed_demo_has_two_years_of_reports_and_an_open_period(app, runner):
    from portal.core.i18n import today_jst
    from portal.reports.models import ProgressReport, ReportPeriod

    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    def counts():
        with app.app_context():
            return dict(db.session.execute(
                select(ReportPeriod.fiscal_year, func.count(ProgressReport.id))
                .outerjoin(ProgressReport, ProgressReport.period_id == ReportPeriod.id)
                .group_by(ReportPeriod.fiscal_year)).all())

    first = counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == first  # idempotent
    years = sorted(first)
    assert len(years) == 3 and all(first[year] >= 10 for year in years[:2])
    assert 0 < first[years[2]] < first[years[1]]
    with app.app_context():
        current = db.session.scalar(select(ReportPeriod).where(ReportPeriod.fiscal_year == years[2]))
        assert current.is_open(today_jst())


def test_seed_demo_has_a_renewal_that_reordered_its_key_actions(app, runner):
    """近見運輸株式会社 renewed in the cohort decided last month (「令和N年度第M期」) with its actions reordered, one edited and one added: its
    trend chart follows each action across the renewal, and the review page shows the report."""
    import re

    from portal.accounts.models import User
    from portal.applications.models import Application, ApplicationKind
    from portal.registrations.models import Registration
    from portal.reports import queries
    from support import login

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "demo13@example.jp"))
        registration = db.session.scalar(select(Registration).where(
            Registration.organisation_id == owner.organisation.id))
        renewal = db.session.scalar(select(Application).where(
            Application.registration_id == registration.id, Application.kind == ApplicationKind.RENEWAL))
        assert renewal.state == "approved" and not renewal.cohort.imported
        assert renewal.cohort.display_name.startswith("令和") and renewal.cohort.state == "decided"
        before = [a["key"] for a in db.session.scalar(select(Application).where(
            Application.registration_id == registration.id, Application.kind == ApplicationKind.NEW)).content["actions"]]
        after = [a["key"] for a in renewal.content["actions"]]
        assert after[:3] != before and sorted(after[:3]) == sorted(before) and after[3] not in before
        [missed] = [r for r in renewal.content["report"] if r["achieved"] is False]
        assert missed["comment"]
        owner_id, registration_id, renewal_id = owner.id, registration.id, renewal.id
        reviewer_id = db.session.scalar(select(User.id).where(User.email == "reviewer@example.jp"))
    with app.test_request_context():
        trends = queries.trends(registration_id)
        assert [t.key for t in trends] == after
        assert [len(t.points) for t in trends] == [3, 3, 3, 1]  # two years before the renewal, one after

    client = app.test_client()
    login(client, owner_id)
    page = client.get(f"/reports/registrations/{registration_id}").get_data(as_text=True)
    assert re.findall(r'<article class="report-trend" id="(trend-\d)" data-action-key="(\w+)"', page) == [
        (f"trend-{n}", key) for n, key in enumerate(after, 1)]
    staff = app.test_client()
    login(staff, reviewer_id)
    review = staff.get(f"/staff/review/{renewal_id}").get_data(as_text=True)
    assert 'id="summary-report"' in review and missed["comment"] in review
    assert all(f'id="values-{key}"' in review for key in before)
