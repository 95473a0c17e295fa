"""The renewal report (前回登録期間の取組結果): each key action of the previous registration shows
its baseline, the values reported each year and its 2030 target beside its 達成／未達成 choice,
and takes a short comment, required for 未達成; the reviewer sees the same. A renewal that
reorders, edits, adds and retires key actions keeps each action's history in the trend chart."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from support import csrf_token, login

from portal.applications.models import Application, ApplicationKind, ApplicationRevision
from portal.applications.workflow import ApplicationState
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.terms import add_months

A = {"area": "economy", "description": "地元の若者を採用する", "goals": [8], "targets": ["8.5"], "indicator": "地元採用者数",
     "unit": "人", "current_value": "10", "target_value": "30"}
B = {"area": "society", "description": "防災訓練を毎年行う", "goals": [11], "targets": ["11.5"], "indicator": "訓練の実施",
     "unit": "", "current_value": "未実施", "target_value": "毎年実施"}
C = {"area": "environment", "description": "CO2排出量を削減する", "goals": [13], "targets": ["13.3"],
     "indicator": "CO2排出量", "unit": "t", "current_value": "120", "target_value": "60"}
# What each key action reported in the two fiscal years before the renewal: (value, status).
REPORTED = {"A": (("12", "on_track"), ("15", "behind")), "B": (("準備中", "on_track"), ("中止", "stopped")),
            "C": (("110", "on_track"), ("100", "on_track"))}


@pytest.fixture
def registered(app, applicant, make_cohort, complete_content):
    """The applicant's registration (cohort 2, ending in three months) with an approved application
    whose key actions A, B, C carry keys, and a report on them in each of the last two fiscal
    years: {"registration", "keys": {"A": …}, "years": (y1, y2)}."""
    from portal.accounts.models import User
    from portal.applications.keys import assign_keys
    from portal.registrations.models import Registration
    from portal.reports import operations as reports

    user_id, organisation_id = applicant
    cohort_id = make_cohort(number=2, state="closed", opens_in_days=-1000, closes_in_days=-970)
    valid_until = add_months(today_jst(), 3)
    content = {**complete_content(), "actions": assign_keys([A, B, C])}
    this_year = today_jst().year
    years = (this_year - 2, this_year - 1)
    with app.test_request_context():
        registration = Registration(number="KS02-0001", cohort_id=cohort_id, sequence=1,
                                    organisation_id=organisation_id, valid_until=valid_until,
                                    registered_on=add_months(valid_until, -36) + timedelta(days=1))
        db.session.add(registration)
        db.session.flush()
        submitted = datetime.now(UTC) - timedelta(days=900)
        application = Application(organisation_id=organisation_id, cohort_id=cohort_id, content=content,
                                  kind=ApplicationKind.NEW, state=ApplicationState.APPROVED, revision_count=1,
                                  submitted_at=submitted, registration_id=registration.id)
        db.session.add(application)
        db.session.flush()
        db.session.add(ApplicationRevision(application_id=application.id, number=1, submitted_at=submitted,
                                           content={**content, "kind": "new", "cohort": 2, "checklist_version": "1",
                                                    "attachments": []}))
        owner = db.session.get(User, user_id)
        for n, year in enumerate(years):
            period = reports.open_period(year, date(year, 11, 1), date(year, 11, 30), None)
            entries = [reports.Entry(*REPORTED[name][n]) for name in "ABC"]
            reports.file_report(registration, period, entries, owner, date(year, 11, 5))
        db.session.commit()
        return {"registration": registration.id, "keys": {n: a["key"] for n, a in zip("ABC", content["actions"])},
                "years": years}


def _renew(client, registration_id: int, cohort_id: int) -> int:
    path = f"/applications/renew/{registration_id}"
    response = client.post(path, data={"cohort_id": cohort_id, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    return int(re.search(r"/applications/(\d+)/steps/report$", response.headers["Location"]).group(1))


def _post(client, path: str, data: dict):
    return client.post(path, data={**data, "go": "stay", "csrf_token": csrf_token(client, path)})


def _content(app, application_id: int) -> dict:
    with app.app_context():
        return dict(db.session.get(Application, application_id).content)


def _table(page: str, table_id: str) -> str:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert match, f"no table {table_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def _declare(client, application_id: int, content: dict) -> None:
    from portal.applications.content import DECLARATIONS

    path = f"/applications/{application_id}/steps/declarations"
    assert _post(client, path, {key: "y" for key in DECLARATIONS}).status_code == 302


def _submit(client, application_id: int):
    token = csrf_token(client, f"/applications/{application_id}/steps/confirm")
    return client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})


def test_the_report_step_shows_each_key_actions_baseline_yearly_values_and_target(app, client, registered,
                                                                                   make_cohort):
    application_id = _renew(client, registered["registration"], make_cohort(number=3))
    page = client.get(f"/applications/{application_id}/steps/report?lang=en").get_data(as_text=True)
    keys = registered["keys"]
    first, second = registered["years"]
    for name, action in (("A", A), ("B", B), ("C", C)):
        table = _table(page, f"values-{keys[name]}")
        (value1, _s1), (value2, _s2) = REPORTED[name]
        assert re.search(rf"Baseline {re.escape(action['current_value'])} ", table), table
        assert f"Fiscal {first} {value1}" in table and f"Fiscal {second} {value2}" in table, table
        assert re.search(rf"2030 target {re.escape(action['target_value'])} ", table), table
        assert action["description"] in page
        assert f'id="achieved_{keys[name]}"' in page and f'id="comment_{keys[name]}"' in page
    # In the years' order, with the status reported.
    assert _table(page, f"values-{keys['B']}").index(str(first)) < _table(page, f"values-{keys['B']}").index(str(second))
    assert "Stopped" in _table(page, f"values-{keys['B']}")
    # The latest report said B stopped: its answer starts as 未達成, waiting for a comment.
    assert re.search(rf'id="achieved_{keys["B"]}-1"[^>]*checked|checked[^>]*id="achieved_{keys["B"]}-1"', page)
    # A challenge item is a choice alone, no comment.
    commitments = _content(app, application_id)["commitments"]
    challenge = [c for c in commitments if c["kind"] == "checklist"]
    assert challenge and all(f'id="achieved_{c["id"]}"' in page and f'id="comment_{c["id"]}"' not in page
                             for c in challenge)


def test_not_achieved_without_a_comment_is_refused_on_the_field_and_nothing_is_stored(app, client, registered,
                                                                                         make_cohort):
    application_id = _renew(client, registered["registration"], make_cohort(number=3))
    keys = registered["keys"]
    path = f"/applications/{application_id}/steps/report"
    before = _content(app, application_id).get("report")
    answers = {f"achieved_{keys['A']}": "no", f"comment_{keys['A']}": "   ",
               f"achieved_{keys['B']}": "yes", f"achieved_{keys['C']}": "yes"}

    response = _post(client, path + "?lang=en", answers)
    assert response.status_code == 200  # the form again, as every step shows a refusal
    page = response.get_data(as_text=True)
    assert re.search(rf'id="comment_{keys["A"]}-error">\s*Say briefly why this key action was not achieved\.', page)
    assert f'href="#comment_{keys["A"]}"' in page  # the error summary points at the field
    assert f'id="comment_{keys["B"]}-error"' not in page  # achieved: no comment needed
    assert _content(app, application_id).get("report") == before

    answers[f"comment_{keys['A']}"] = "採用活動が計画より遅れたため。"
    assert _post(client, path, answers).status_code == 302
    stored = {r["id"]: r for r in _content(app, application_id)["report"]}
    assert stored[keys["A"]] == {"id": keys["A"], "achieved": False, "comment": "採用活動が計画より遅れたため。"}
    assert stored[keys["B"]]["achieved"] is True


def test_submission_needs_every_choice_and_a_comment_for_each_not_achieved(app, client, registered, make_cohort):
    application_id = _renew(client, registered["registration"], make_cohort(number=3))
    keys = registered["keys"]
    content = _content(app, application_id)
    _declare(client, application_id, content)
    report_path = f"/applications/{application_id}/steps/report"
    challenge = [c["id"] for c in content["commitments"] if c["kind"] == "checklist"]
    # B starts as 未達成 (its latest report said stopped) with no comment; A and C have no choice.
    response = _submit(client, application_id)
    assert response.status_code == 302
    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    for key in (keys["A"], keys["C"], *challenge):
        assert f'href="{report_path}#achieved_{key}"' in confirm
    assert f'href="{report_path}#comment_{keys["B"]}"' in confirm
    assert _content(app, application_id).get("report") is not None
    with app.app_context():
        assert db.session.get(Application, application_id).state == "draft"

    answers = {f"achieved_{key}": "yes" for key in (keys["A"], keys["C"], *challenge)}
    answers.update({f"achieved_{keys['B']}": "no", f"comment_{keys['B']}": "会場の確保ができず中止しました。"})
    assert _post(client, report_path, answers).status_code == 302
    assert _submit(client, application_id).status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).state == "submitted"


def test_the_reviewer_sees_the_values_the_choices_and_the_comments(app, client, registered, make_cohort, make_user):
    application_id = _renew(client, registered["registration"], make_cohort(number=3))
    keys = registered["keys"]
    content = _content(app, application_id)
    _declare(client, application_id, content)
    answers = {f"achieved_{c['id']}": "yes" for c in content["commitments"]}
    answers.update({f"achieved_{keys['B']}": "no", f"comment_{keys['B']}": "会場の確保ができず中止しました。"})
    assert _post(client, f"/applications/{application_id}/steps/report", answers).status_code == 302
    assert _submit(client, application_id).status_code == 302

    staff = app.test_client()
    login(staff, make_user(role="reviewer"))
    page = staff.get(f"/staff/review/{application_id}?lang=en").get_data(as_text=True)
    assert 'id="summary-report"' in page
    first, second = registered["years"]
    for name, action in (("A", A), ("B", B), ("C", C)):
        table = _table(page, f"values-{keys[name]}")
        assert re.search(rf"Baseline {re.escape(action['current_value'])} ", table)
        assert f"Fiscal {first} {REPORTED[name][0][0]}" in table and f"Fiscal {second} {REPORTED[name][1][0]}" in table
        assert re.search(rf"2030 target {re.escape(action['target_value'])} ", table)
    assert re.search(rf'id="answer-{keys["B"]}">\s*<strong[^>]*>Not achieved', page)
    assert re.search(rf'id="answer-{keys["A"]}">\s*<strong[^>]*>Achieved', page)
    assert "会場の確保ができず中止しました。" in page
    # The applicant's own copy of the revision shows the same.
    revision = client.get(f"/applications/{application_id}/revisions/1?lang=en").get_data(as_text=True)
    assert f"Fiscal {second} 中止" in _table(revision, f"values-{keys['B']}")
    assert "会場の確保ができず中止しました。" in revision


def _actions_form(actions: list[dict]) -> dict:
    """The actions step's fields for these rows, as the browser sends them."""
    data = {}
    for i, action in enumerate(actions):
        prefix = f"actions-{i}-"
        data.update({prefix + field: action.get(field) or "" for field in
                     ("key", "area", "description", "indicator", "unit", "current_value", "target_value")})
        data[prefix + "goals"] = [str(g) for g in action["goals"]]
        data[prefix + "targets"] = action["targets"]
    return data


def test_a_reordered_renewal_keeps_each_actions_history_in_the_trend_chart(app, client, registered, make_cohort,
                                                                          make_user):
    from portal.accounts.models import User
    from portal.applications import operations as applications
    from portal.cohorts import operations as cohorts
    from portal.cohorts.models import Cohort, CohortState
    from portal.reports import operations as reports

    cohort_id = make_cohort(number=3)
    application_id = _renew(client, registered["registration"], cohort_id)
    keys = registered["keys"]
    path = f"/applications/{application_id}/steps/actions"
    carried = _content(app, application_id)["actions"]
    assert [a["key"] for a in carried] == [keys[n] for n in "ABC"]

    # The move buttons swap rows (shown again, unsaved) and each row keeps its key.
    moved = client.post(path, data={**_actions_form(carried), "move_action": "2:up",
                                    "csrf_token": csrf_token(client, path)})
    assert moved.status_code == 200
    assert re.findall(r'name="actions-\d+-key"[^>]*value="([0-9a-f]+)"', moved.get_data(as_text=True)) == [
        keys["A"], keys["C"], keys["B"]]
    assert [a["key"] for a in _content(app, application_id)["actions"]] == [keys[n] for n in "ABC"]

    # The renewal: C first, A with a higher target, B retired, D new in its place for society (a
    # key the registration never had, typed into the form, is not kept).
    d = {"area": "society", "description": "地域の清掃活動に社員が参加する", "goals": [11], "targets": ["11.6"],
         "indicator": "参加人数", "unit": "人", "current_value": "0", "target_value": "50", "key": "0badc0de"}
    rows = [carried[2], {**carried[0], "target_value": "40"}, d]
    assert _post(client, path, _actions_form(rows)).status_code == 302
    renewed = _content(app, application_id)["actions"]
    assert [a["key"] for a in renewed[:2]] == [keys["C"], keys["A"]]
    assert renewed[2]["key"] not in (*keys.values(), "0badc0de") and renewed[1]["target_value"] == "40"
    key_d = renewed[2]["key"]

    content = _content(app, application_id)
    _declare(client, application_id, content)
    answers = {f"achieved_{c['id']}": "yes" for c in content["commitments"]}
    answers.update({f"achieved_{keys['B']}": "no", f"comment_{keys['B']}": "防災訓練は地域の行事に統合しました。"})
    assert _post(client, f"/applications/{application_id}/steps/report", answers).status_code == 302
    assert _submit(client, application_id).status_code == 302

    # Reviewed and decided: the renewal's key actions are in force.
    secretariat = make_user(role="secretariat")
    with app.test_request_context():
        staff = db.session.get(User, secretariat)
        application = db.session.get(Application, application_id)
        applications.start_review(application, staff)
        applications.recommend(application, True, staff)
        cohort = db.session.get(Cohort, cohort_id)
        cohorts.move_cohort(cohort, CohortState.CLOSED)
        cohorts.decide_cohort(cohort, today_jst(), staff)
        this_year = today_jst().year
        period = reports.open_period(this_year, today_jst() - timedelta(days=1), today_jst() + timedelta(days=20), None)
        db.session.commit()
        period_id = period.id

    # The first report after the renewal, through the form: in the renewal's order.
    registration_id = registered["registration"]
    file_path = f"/reports/registrations/{registration_id}/periods/{period_id}"
    form = client.get(file_path).get_data(as_text=True)
    assert re.findall(r'name="key_\d"[^>]*value="([0-9a-f]+)"', form) == [keys["C"], keys["A"], key_d]
    response = client.post(file_path, data={
        "value_0": "90", "status_0": "on_track", "key_0": keys["C"], "value_1": "20", "status_1": "on_track",
        "key_1": keys["A"], "value_2": "1", "status_2": "on_track", "key_2": key_d,
        "csrf_token": csrf_token(client, file_path)})
    assert response.status_code == 302

    page = client.get(f"/reports/registrations/{registration_id}?lang=en").get_data(as_text=True)
    first, second = registered["years"]

    def trend(article_id: str) -> str:
        match = re.search(rf'<article class="report-trend" id="{article_id}" data-action-key="(\w+)">(.*?)</article>',
                          page, re.S)
        assert match, article_id
        return match.group(1), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2)))

    key, text = trend("trend-1")
    assert key == keys["C"] and "CO2排出量を削減する" in text
    assert f"Fiscal {first} 110 t" in text and f"Fiscal {second} 100 t" in text and f"Fiscal {this_year} 90 t" in text
    assert "Baseline: 120 t; " in text  # the chart's description: baseline, each year, target
    key, text = trend("trend-2")
    assert key == keys["A"]
    assert f"Fiscal {first} 12 人" in text and f"Fiscal {second} 15 人" in text and f"Fiscal {this_year} 20 人" in text
    assert "2030 target 40 人" in text  # as the renewal edited it
    key, text = trend("trend-3")
    assert key == key_d and f"Fiscal {this_year} 1 人" in text and "Fiscal %s" % first not in text
    key, text = trend(f"trend-retired-{keys['B']}")  # retired, its history kept
    assert key == keys["B"] and f"Fiscal {first} 準備中" in text and f"Fiscal {second} 中止" in text
    assert 'id="retired-actions"' in page
    # In Japanese the years are 和暦 fiscal years, and the indicator reads with a full-width colon.
    japanese = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(
        f"/reports/registrations/{registration_id}?lang=ja").get_data(as_text=True)))
    assert f"令和{first - 2018}年度 110 t" in japanese and f"Fiscal {first}" not in japanese
    assert "指標：" in japanese and "指標:" not in japanese

    # A report filed before the renewal still shows each value on its own action.
    with app.app_context():
        from portal.reports.models import ProgressReport, ReportPeriod

        old = db.session.scalar(select(ProgressReport.id).join(ReportPeriod).where(ReportPeriod.fiscal_year == second))
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/reports/{old}?lang=en").get_data(as_text=True)))
    assert "防災訓練を毎年行う 訓練の実施 中止" in shown and "CO2排出量を削減する CO2排出量 100 t" in shown
