"""Migration 0014 gives key actions their keys and puts each existing report line on the action it
was filed for — on data whose renewal reordered, edited, added and retired actions, on SQLite and
PostgreSQL.

Before 0014 a line was matched by its place against the actions of the registration's latest
approved application at the time: the first term's order before the renewal was decided, the
renewal's order after it."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support import require_or_skip
from portal import create_app
from portal.core.extensions import db

A = {"area": "economy", "description": "地元の若者を採用する", "goals": [8], "targets": ["8.5"], "indicator": "地元採用者数",
     "unit": "人", "current_value": "10", "target_value": "30"}
B = {"area": "society", "description": "防災訓練を毎年行う", "goals": [11], "targets": [], "indicator": "訓練の実施",
     "unit": "", "current_value": "未実施", "target_value": "毎年実施"}
C = {"area": "environment", "description": "CO2排出量を削減する", "goals": [13], "targets": [], "indicator": "CO2排出量",
     "unit": "t", "current_value": "120", "target_value": "60"}
A_EDITED = {**A, "target_value": "40"}  # the renewal raised the target
D = {"area": "economy", "description": "県産材を使った商品を開発する", "goals": [9, 12], "targets": [], "indicator": "商品数",
     "unit": "件", "current_value": "0", "target_value": "5"}
OTHER = {"area": "economy", "description": "別の団体の取組", "goals": [8], "targets": [], "indicator": "売上",
         "unit": "万円", "current_value": "1", "target_value": "2"}

# (fiscal year, last filed (UTC), values by place): fiscal 2024's report was last changed at 23:30
# JST on 2025-01-31, the eve of the renewal's decision (2025-02-01): the first term's order A, B, C;
# fiscal 2025's after it, in the renewal's order C, A (edited), D.
REPORTS = ((2023, datetime(2023, 11, 10, 3, tzinfo=timezone.utc), ("12", "準備中", "110")),
           (2024, datetime(2025, 1, 31, 14, 30, tzinfo=timezone.utc), ("16", "実施", "98")),
           (2025, datetime(2025, 11, 10, 3, tzinfo=timezone.utc), ("90", "20", "1")))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, worker_id):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'keys.db'}"
        return
    url = os.environ.get("TEST_DATABASE_URL")
    require_or_skip(bool(url), "TEST_DATABASE_URL is not set (no PostgreSQL)")
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_keys_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _insert(connection, table: str, **values) -> int:
    from sqlalchemy import JSON, bindparam

    columns = ", ".join(values)
    statement = text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)}) RETURNING id")
    json_columns = [bindparam(c, type_=JSON) for c, v in values.items() if isinstance(v, (dict, list))]
    if json_columns:
        statement = statement.bindparams(*json_columns)
    return connection.execute(statement, values).scalar_one()


def _before_0014(connection) -> dict:
    """A registrant as the portal kept it before 0014: its first term, a renewal that reordered
    (C, A edited, D added, B retired) decided on 2025-02-01, and four yearly reports."""
    now = datetime(2023, 1, 1, tzinfo=timezone.utc)
    user = _insert(connection, "users", email="owner@example.jp", name="所有 者", role="applicant", locale="ja",
                   active=True, created_at=now, session_token="t" * 64)
    organisations = [_insert(connection, "organisations", kind="group", name=name, name_kana="テスト",
                             representative_title="代表", representative_name="代表 者", postal_code="8600806",
                             address="熊本県熊本市中央区花畑町1-1", in_city=True, location_mismatch=False, industry="E",
                             contact_name="担当", contact_phone="096-000-0000", contact_email="owner@example.jp",
                             created_at=now, updated_at=now, public_listing=True, search_key=name)
                     for name in ("株式会社並べ替え", "株式会社ほか")]
    cohorts = {number: _insert(connection, "cohorts", number=number, state=state, opens_at=now,
                               closes_at=datetime(2023, 2, 1, tzinfo=timezone.utc),
                               checklist_version="1", created_at=now, imported=False, decided_on=decided)
               for number, state, decided in ((3, "decided", date(2023, 8, 1)), (4, "decided", date(2025, 2, 1)),
                                              (5, "open", None))}
    registrations = [_insert(connection, "registrations", number=f"KS03-000{n}", cohort_id=cohorts[3], sequence=n,
                             organisation_id=organisation, state="active", registered_on=date(2023, 8, 1),
                             valid_until=date(2029, 7, 31), created_at=now, in_city=True)
                     for n, organisation in enumerate(organisations, 1)]

    def application(organisation, cohort, kind, state, registration, content, revisions=1):
        application_id = _insert(connection, "applications", organisation_id=organisation, cohort_id=cohort, kind=kind,
                                 state=state, content=content, revision_count=revisions, created_at=now,
                                 updated_at=now, version=1, registration_id=registration, created_by_id=user)
        for number in range(1, revisions + 1):
            _insert(connection, "application_revisions", application_id=application_id, number=number,
                    submitted_at=now, content={**content, "kind": kind, "checklist_version": "1"})
        return application_id

    first = application(organisations[0], cohorts[3], "new", "approved", registrations[0],
                        {"vision": "v", "actions": [A, B, C], "checklist": {"version": "1", "challenge": ["C05"]}})
    renewal_content = {
        "vision": "v", "actions": [C, A_EDITED, D],
        "commitments": [{"id": "A1", "label": "1. 地元の若者を採用する"}, {"id": "A2", "label": "2. 防災訓練を毎年行う"},
                        {"id": "A3", "label": "3. CO2排出量を削減する"}, {"id": "C05", "label": "C05 …"}],
        "report": [{"id": "A1", "achieved": True, "comment": ""}, {"id": "A2", "achieved": False, "comment": "中止"},
                   {"id": "A3", "achieved": True, "comment": ""}, {"id": "C05", "achieved": True, "comment": ""}]}
    renewal = application(organisations[0], cohorts[4], "renewal", "approved", registrations[0], renewal_content)
    other = application(organisations[1], cohorts[3], "new", "approved", registrations[1],
                        {"vision": "v", "actions": [OTHER]})
    draft = application(organisations[1], cohorts[5], "new", "draft", None, {"vision": "v"}, revisions=0)

    reports = {}
    for fiscal_year, filed, values in REPORTS:
        period = _insert(connection, "report_periods", fiscal_year=fiscal_year, opens_on=date(fiscal_year, 11, 1),
                         closes_on=date(fiscal_year + 1, 2, 1), created_at=now)
        report = _insert(connection, "progress_reports", period_id=period, registration_id=registrations[0],
                         filed_at=filed, updated_at=filed)
        for position, value in enumerate(values):
            _insert(connection, "report_lines", report_id=report, position=position, area="economy", goals_key=",8,",
                    value_text=value, status="on_track")
        reports[fiscal_year] = report
    other_report = _insert(connection, "progress_reports", period_id=period, registration_id=registrations[1],
                           filed_at=filed, updated_at=filed)
    _insert(connection, "report_lines", report_id=other_report, position=0, area="economy", goals_key=",8,",
            value_text="1", status="on_track")
    return {"registration": registrations[0], "first": first, "renewal": renewal, "other": other, "draft": draft,
            "reports": reports, "other_report": other_report}


def _content(connection, table: str, row_id: int) -> dict:
    from sqlalchemy import JSON, column, select, table as table_

    return connection.execute(select(column("content", JSON)).select_from(table_(table))
                              .where(column("id") == row_id)).scalar_one()


def _revision(connection, application_id: int) -> dict:
    from sqlalchemy import JSON, column, select, table as table_

    return connection.execute(select(column("content", JSON)).select_from(table_("application_revisions"))
                              .where(column("application_id") == application_id)).scalar_one()


def test_each_report_line_lands_on_the_action_it_was_filed_for(database_url):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            ids = _before_0014(connection)
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            first = _content(connection, "applications", ids["first"])["actions"]
            renewal = _content(connection, "applications", ids["renewal"])
            key = {name: action["key"] for name, action in zip("ABC", first)}
            assert all(re.fullmatch(r"[0-9a-f]{8}", k) for k in key.values()) and len(set(key.values())) == 3
            # The renewal's actions carry the keys of the actions they came from; D is new.
            assert [a["key"] for a in renewal["actions"][:2]] == [key["C"], key["A"]]
            key["D"] = renewal["actions"][2]["key"]
            assert re.fullmatch(r"[0-9a-f]{8}", key["D"]) and key["D"] not in (key["A"], key["B"], key["C"])
            assert [{k: v for k, v in a.items() if k != "key"} for a in renewal["actions"]] == [C, A_EDITED, D]
            # The frozen revisions carry the same keys as the answers.
            assert [a["key"] for a in _revision(connection, ids["first"])["actions"]] == [key[n] for n in "ABC"]
            assert [a["key"] for a in _revision(connection, ids["renewal"])["actions"]] == [key[n] for n in "CAD"]
            # The renewal's commitments and answers name the first term's actions by key.
            for content in (renewal, _revision(connection, ids["renewal"])):
                assert [c["id"] for c in content["commitments"]] == [key["A"], key["B"], key["C"], "C05"]
                assert [c["kind"] for c in content["commitments"]] == ["action"] * 3 + ["checklist"]
                assert content["commitments"][1]["current_value"] == "未実施"
                assert [(r["id"], r["achieved"]) for r in content["report"]] == [
                    (key["A"], True), (key["B"], False), (key["C"], True), ("C05", True)]
            other = _content(connection, "applications", ids["other"])["actions"]
            assert other[0]["key"] not in key.values()
            assert "actions" not in _content(connection, "applications", ids["draft"])

            lines = connection.execute(text(
                "SELECT report_id, position, action_key, value_text FROM report_lines ORDER BY report_id, position"
            )).all()
            by_report = {}
            for report_id, position, action_key, value in lines:
                by_report.setdefault(report_id, []).append((action_key, value))
            reports = ids["reports"]
            assert by_report[reports[2023]] == [(key["A"], "12"), (key["B"], "準備中"), (key["C"], "110")]
            assert by_report[reports[2024]] == [(key["A"], "16"), (key["B"], "実施"), (key["C"], "98")]
            assert by_report[reports[2025]] == [(key["C"], "90"), (key["A"], "20"), (key["D"], "1")]
            assert by_report[ids["other_report"]] == [(other[0]["key"], "1")]

        upgrade()  # and the later migrations take it from there
        from portal.reports import queries

        with app.test_request_context():
            trends = queries.trends(ids["registration"])
            assert [(t.key, t.position) for t in trends] == [(key["C"], 0), (key["A"], 1), (key["D"], 2),
                                                              (key["B"], None)]
            assert [[(year, text_) for year, text_, _n, _s in t.points] for t in trends] == [
                [(2023, "110"), (2024, "98"), (2025, "90")],
                [(2023, "12"), (2024, "16"), (2025, "20")],
                [(2025, "1")],
                [(2023, "準備中"), (2024, "実施")]]
        db.session.remove()
        db.engine.dispose()
