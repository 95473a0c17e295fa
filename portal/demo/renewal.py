"""A demo renewal: 近見運輸株式会社 (demo13@, 第3期) reported on its key actions for two years,
renewed early in a small cohort decided last month — putting its joint-delivery action first,
raising its CO2 target, adding electric trucks and saying why CO2 was not achieved — and has
reported once since, in the renewal's order. Its trend chart follows each action by key across
the reorder; the review page shows the renewal report. All through the operations."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.accounts import operations as accounts
from portal.applications import operations as applications
from portal.applications.content import DECLARATIONS
from portal.applications.renewal import is_action
from portal.cohorts import operations as cohorts
from portal.cohorts.models import CohortState
from portal.core.extensions import db
from portal.core.i18n import JST
from portal.registrations.models import Registration
from portal.reports import operations as reports
from portal.reports import queries
from portal.reports.models import ReportPeriod

OWNER = "demo13@example.jp"
NEW_ACTION = {"area": "environment", "description": "配送用トラックを電気自動車（EVトラック）に順次切り替える。",
              "goals": [7, 13], "targets": ["7.2", "13.2"], "indicator": "EVトラック台数", "unit": "台",
              "current_value": "0", "target_value": "10"}
NOT_ACHIEVED = "燃料価格の高騰で車両の更新が遅れ、削減は目標の半分ほどにとどまりました。"


def _jst(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def seed_renewal(number: int, today: date, periods: list[tuple[ReportPeriod, int]],
                 display_name: str | None = None) -> None:
    """Cohort `number`: window 55 to 40 days ago, decided 25 days ago, with the one renewal.
    `periods` are the demo's reporting periods (2, 1 and 0 years back): the registrant reports in
    the first two before its renewal and in the current one after it."""
    from portal.demo.reports import file_demo_report

    owner = accounts.find_by_email(OWNER)
    secretariat = accounts.find_by_email("secretariat@example.jp")
    reviewer = accounts.find_by_email("reviewer@example.jp")
    registration = db.session.scalar(select(Registration).where(
        Registration.organisation_id == owner.organisation.id).order_by(Registration.id))
    for period, back in periods:
        if back and queries.report_for(period.id, registration.id) is None:
            file_demo_report(registration, period, back, owner)

    cohort = cohorts.plan_cohort(number, _jst(today - timedelta(days=55)), _jst(today - timedelta(days=40)),
                                 decision_planned_on=today - timedelta(days=25), display_name=display_name)
    cohorts.move_cohort(cohort, CohortState.OPEN, actor=secretariat)
    renewal = applications.start_renewal(registration, cohort, owner)
    economy, environment, society = (
        next(a for a in renewal.content["actions"] if a["area"] == area) for area in ("economy", "environment", "society"))
    actions = [
        {**economy, "description": "県産品の共同配送網を県南地域にも広げる。"},
        {**environment, "target_value": "450"},
        society,
        NEW_ACTION,
    ]
    applications.save_section(renewal, "actions", actions, owner)
    applications.save_section(renewal, "declarations", {key: True for key in DECLARATIONS}, owner)
    answers = []
    for commitment in renewal.content["commitments"]:
        missed = is_action(commitment) and commitment.get("area") == "environment"
        answer = {"id": commitment["id"], "achieved": not missed}
        if is_action(commitment):
            answer["comment"] = NOT_ACHIEVED if missed else ""
        answers.append(answer)
    applications.save_section(renewal, "report", answers, owner)
    applications.submit_application(renewal, owner, now=_jst(today - timedelta(days=50), 10))
    applications.start_review(renewal, reviewer)
    applications.recommend(renewal, True, reviewer)
    cohorts.move_cohort(cohort, CohortState.CLOSED, actor=secretariat)
    cohorts.decide_cohort(cohort, today - timedelta(days=25), secretariat)

    # The first report since, in the renewal's order: each value on its own action.
    for period, back in periods:
        if not back and queries.report_for(period.id, registration.id) is None:
            day = period.opens_on + timedelta(days=5)
            values = {"economy": ("17", "on_track"), "society": ("8", "on_track")}
            entries = [reports.Entry(*(values.get(action["area"]) or (
                ("2", "on_track", "1台目を導入しました。") if action["indicator"] == NEW_ACTION["indicator"]
                else ("630", "behind", "車両の更新を再開しました。"))))
                for action in queries.key_actions(registration.id)]
            reports.file_report(registration, period, entries, owner, day, now=_jst(day, 12))
