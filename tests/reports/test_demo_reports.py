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
