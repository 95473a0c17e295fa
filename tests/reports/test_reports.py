"""Filing progress reports: the journey, the refusals with their messages, reminders, the
staff figures, the partner's view and the renewal's prefill."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.japanese import wareki_fiscal_year
from report_helpers import add_period, add_registrant, form_data
from support import csrf_token, login


def _file_url(registrant, period_id):
    return f"/reports/registrations/{registrant['registration']}/periods/{period_id}"


def _file(client, registrant, period_id, **kwargs):
    url = _file_url(registrant, period_id)
    return client.post(url, data=form_data(token=csrf_token(client, url), **kwargs))


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_file_a_report_then_see_the_trend(app, client, registrant, open_period, mails):
    from portal.reports.models import ProgressReport, ReportLine

    login(client, registrant["user"])
    page = client.get(_file_url(registrant, open_period)).get_data(as_text=True)
    assert 'inputmode="decimal"' in page and "地元採用者数" in page
    response = _file(client, registrant, open_period)
    assert response.status_code == 302
    assert _count(app, ProgressReport) == 1 and _count(app, ReportLine) == 3
    trend = client.get(f"/reports/registrations/{registrant['registration']}").get_data(as_text=True)
    assert "<svg" in trend and "IPAexGothic" in trend and "<title" in trend and "style=" not in trend.split("<svg")[1]
    assert mails("owner@example.jp")[-1].subject
    # The chart names the reporting year as a fiscal year, in the page's language.
    year = today_jst().year  # the open period's fiscal year
    assert f"Fiscal {year}" in trend.split("<svg")[1]
    japanese = client.get(f"/reports/registrations/{registrant['registration']}?lang=ja").get_data(as_text=True)
    assert wareki_fiscal_year(year) in japanese.split("<svg")[1].split("</svg>")[0]


def test_a_non_number_for_a_numeric_indicator_is_refused_with_a_message(app, client, registrant, open_period):
    from portal.reports.models import ProgressReport

    login(client, registrant["user"])
    response = _file(client, registrant, open_period, values=("たくさん", "実施した", "100"))
    assert response.status_code == 200
    assert "Enter a number" in response.get_data(as_text=True)
    assert _count(app, ProgressReport) == 0


def test_a_form_shown_before_the_key_actions_changed_is_refused_not_misfiled(app, client, registrant, open_period):
    """Each row of the form names the key action it showed; if the actions in force changed since
    (a renewal reordered them), the values are not put on other actions."""
    from portal.reports.models import ProgressReport

    login(client, registrant["user"])
    url = _file_url(registrant, open_period)
    page = client.get(url).get_data(as_text=True)
    assert re.findall(r'name="key_\d"[^>]*value="(\w+)"', page) == ["p1", "p2", "p3"]
    data = {**form_data(token=csrf_token(client, url)), "key_0": "p3", "key_2": "p1"}  # as if shown C, B, A
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    again = client.get(url).get_data(as_text=True)  # the form again, with the reason
    assert "changed since the form was opened" in again and 'id="report-form"' in again
    assert _count(app, ProgressReport) == 0


def test_text_indicators_take_text_and_numbers_take_full_width_digits(app, client, registrant, open_period):
    from portal.reports.models import ReportLine

    login(client, registrant["user"])
    assert _file(client, registrant, open_period, values=("１，２００", "一部実施", "90")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ReportLine.value_number).where(ReportLine.position == 0)) == 1200


def test_outside_the_period_is_refused_with_a_message(app, client, registrant):
    from portal.reports.models import ProgressReport

    today = today_jst()
    closed = add_period(app, today.year - 1, today - timedelta(days=60), today - timedelta(days=30))
    later = add_period(app, today.year + 1, today + timedelta(days=30), today + timedelta(days=60))
    login(client, registrant["user"])
    response = _file(client, registrant, closed)
    assert response.status_code == 409 and "reports were accepted until" in response.get_data(as_text=True)
    page = client.get(_file_url(registrant, later))
    assert page.status_code == 200 and "opens on" in page.get_data(as_text=True)
    assert _count(app, ProgressReport) == 0


def test_a_second_report_edits_the_first(app, client, registrant, open_period):
    from portal.reports.models import ProgressReport, ReportLine

    login(client, registrant["user"])
    _file(client, registrant, open_period)
    response = _file(client, registrant, open_period, values=("18", "実施した", "95"))
    assert response.status_code == 302
    assert "one report per period" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(app, ProgressReport) == 1 and _count(app, ReportLine) == 3
    with app.app_context():
        assert db.session.scalar(select(ReportLine.value_text).where(ReportLine.position == 0)) == "18"


def test_the_operation_edits_too_and_the_database_refuses_a_duplicate(app, registrant, open_period):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from portal.registrations.models import Registration
    from portal.reports import operations
    from portal.reports.models import ProgressReport, ReportPeriod

    with app.test_request_context():
        registration, period = db.session.get(Registration, registrant["registration"]), db.session.get(
            ReportPeriod, open_period)
        entries = [operations.Entry("12", "on_track"), operations.Entry("x", "behind"), operations.Entry("1", "achieved")]
        _report, created = operations.file_report(registration, period, entries, None, today_jst())
        _report, again = operations.file_report(registration, period, entries, None, today_jst())
        assert (created, again) == (True, False)
        db.session.commit()
        db.session.add(ProgressReport(period_id=period.id, registration_id=registration.id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_another_organisations_report_answers_404(app, client, registrant, open_period, make_user, make_organisation):
    login(client, registrant["user"])
    location = _file(client, registrant, open_period).headers["Location"]
    report_id = None
    from portal.reports.models import ProgressReport

    with app.app_context():
        report_id = db.session.scalar(select(ProgressReport.id))
    other = make_user(email="other@example.jp")
    other_registration = add_registrant(app, other, make_organisation(other, kind="group", corporate_number=None, name="他社"))
    intruder = app.test_client()
    login(intruder, other)
    assert intruder.get(f"/reports/{report_id}").status_code == 404
    assert intruder.get(location).status_code == 404
    assert intruder.get(_file_url(registrant, open_period)).status_code == 404
    assert intruder.get(f"/reports/registrations/{other_registration}").status_code == 200
    assert intruder.get("/reports/999999").status_code == 404


def test_reminders_once_per_period(app, runner, registrant, open_period, mails):
    result = runner.invoke(args=["reports", "remind"])
    assert "1 mail(s) queued for 1 registration(s)" in result.output
    again = runner.invoke(args=["reports", "remind"])
    assert "0 mail(s)" in again.output
    [reminder] = [m for m in mails("owner@example.jp") if "Reminder" in m.subject or "未提出" in m.subject]
    # The fiscal year as the reader's language names it: 「令和8年度取組状況報告 未提出のお知らせ」, or
    # "… for Fiscal 2026" (this owner reads English).
    if "Reminder" in reminder.subject:
        assert re.search(r"for Fiscal 20\d\d$", reminder.subject)
    else:
        assert re.search(r"令和(元|\d+)年度取組状況報告", reminder.subject) and "20" not in reminder.subject


def test_reminders_skip_who_reported(app, client, runner, registrant, open_period):
    login(client, registrant["user"])
    _file(client, registrant, open_period)
    assert "0 mail(s) queued for 0" in runner.invoke(args=["reports", "remind"]).output


def test_staff_see_the_response_rate_shares_and_export(app, client, registrant, open_period, make_user,
                                                        make_organisation):
    other = make_user(email="late@example.jp")
    add_registrant(app, other, make_organisation(other, kind="group", corporate_number=None, name="遅延社"), municipality_code="43105")
    login(client, registrant["user"])
    _file(client, registrant, open_period)
    staff = app.test_client()
    login(staff, make_user("reviewer"))
    page = staff.get(f"/staff/reports/periods/{open_period}").get_data(as_text=True)
    assert "1 of 2 registrations reported (50.0%)" in page
    assert "遅延社" in page
    assert 'goal-chip goal-8' in page and 'goal-chip goal-11' in page
    csv = staff.get(f"/staff/reports/periods/{open_period}/export.csv")
    assert csv.status_code == 200 and "遅延社" in csv.get_data(as_text=True)
    assert staff.get(f"/staff/reports/periods/{open_period}/export.xlsx").status_code == 200


def test_staff_figures_take_a_constant_number_of_queries(app, registrant, open_period, make_user, make_organisation):
    from support import counted

    from portal.reports import queries
    from portal.reports.models import ReportPeriod

    def count():
        with app.test_request_context():
            period = db.session.get(ReportPeriod, open_period)
            with counted(app) as statements:
                queries.response_rate(period, today_jst())
                queries.not_reported(period, today_jst())
                queries.shares_by_goal(period)
                queries.shares_by_ward(period)
            return len(statements)

    before = count()
    for n in range(3):
        user = make_user(email=f"more{n}@example.jp")
        add_registrant(app, user, make_organisation(user, kind="group", corporate_number=None, name=f"追加{n}"))
    assert count() == before == 4


def test_opening_a_period_refuses_a_taken_year_and_a_reversed_window(app, make_user, open_period):
    client = app.test_client()
    login(client, make_user("secretariat"))
    today = today_jst()
    token = csrf_token(client, "/staff/reports/")
    taken = client.post("/staff/reports/periods", data={"csrf_token": token, "fiscal_year": today.year,
                                                        "opens_on": str(today), "closes_on": str(today)})
    assert taken.status_code == 200 and "already exists" in taken.get_data(as_text=True)
    reversed_ = client.post("/staff/reports/periods", data={"csrf_token": token, "fiscal_year": today.year + 3,
                                                            "opens_on": str(today), "closes_on": str(today - timedelta(1))})
    assert "must not be before" in reversed_.get_data(as_text=True)
    made = client.post("/staff/reports/periods", data={"csrf_token": token, "fiscal_year": today.year + 4,
                                                       "opens_on": str(today), "closes_on": str(today)})
    assert made.status_code == 302


def test_partner_sees_reports_only_with_consent(app, client, registrant, open_period, make_user):
    from portal.organisations.models import Organisation
    from portal.partners import operations as partners

    login(client, registrant["user"])
    _file(client, registrant, open_period)
    partner = make_user("partner", partner="bank-r")
    viewer = app.test_client()
    login(viewer, partner)
    url = f"/partner/organisations/{registrant['organisation']}"
    assert viewer.get(url).status_code == 404
    with app.test_request_context():
        from portal.accounts.models import User

        organisation = db.session.get(Organisation, registrant["organisation"])
        partners.grant_consents(organisation, {db.session.get(User, partner).partner_id}, organisation.owner)
        db.session.commit()
    page = viewer.get(url).get_data(as_text=True)
    assert 'id="progress-reports"' in page and "コメント0" in page


def test_renewal_prefills_achieved_and_stopped(app, registrant, open_period):
    from portal.registrations.models import Registration
    from portal.reports import operations, queries
    from portal.reports.models import ReportPeriod

    with app.test_request_context():
        registration = db.session.get(Registration, registrant["registration"])
        entries = [operations.Entry("30", "achieved"), operations.Entry("x", "stopped"), operations.Entry("1", "behind")]
        operations.file_report(registration, db.session.get(ReportPeriod, open_period), entries, None, today_jst())
        db.session.commit()
        # By key: the builder's approved answers carry none, so they read as p1, p2, … by place.
        assert queries.achievements(registration.id) == {"p1": True, "p2": False}

        from datetime import datetime, timezone

        from portal.applications.models import Application, ApplicationRevision
        from portal.applications.renewal import prefill

        application = db.session.scalar(select(Application).where(Application.registration_id == registration.id))
        db.session.add(ApplicationRevision(application_id=application.id, number=1,
                                           submitted_at=datetime.now(timezone.utc),
                                           content={**application.content, "checklist_version": "1"}))
        db.session.commit()
        draft = prefill(registration)
        assert [c["id"] for c in draft["commitments"]] == ["p1", "p2", "p3"]
        assert [a["key"] for a in draft["actions"]] == ["p1", "p2", "p3"]
        assert draft["report"] == [{"id": "p1", "achieved": True, "comment": ""},
                                   {"id": "p2", "achieved": False, "comment": ""}]
