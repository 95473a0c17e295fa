"""The staff registrations list's export (CSV/XLSX): every page, the list's filters (the status
one by the same rule), formula injection refused, who may, and one query whatever the rows."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from support import counted, login

from portal.cohorts import operations as cohorts
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.models import Registration, RegistrationState
from portal.registrations.terms import term_end

TODAY = today_jst()
DECIDED_ON = TODAY - timedelta(days=30)
LIST = "/staff/registrations/"
HEADER = ["Registration number", "Name of the organisation", "Name in katakana",
          "Corporate number", "Municipality code", "Municipality", "Inside Kumamoto City", "Industry",
          "Cohort", "Registered on", "Valid until", "Status", "Ended on", "End reason"]
YATSUSHIRO = {"postal_code": "8660862", "address": "熊本県八代市松江城町1-25"}


@pytest.fixture
def cohort_id(app):
    with app.app_context():
        now = datetime.now(UTC)
        cohort = cohorts.plan_cohort(9, now - timedelta(days=90), now - timedelta(days=60))
        db.session.commit()
        return cohort.id


@pytest.fixture
def add(app, make_user, make_organisation, cohort_id):
    """add(sequence, registered_on=…, valid_until=…, state=…, ended_on=…, end_reason=…,
    **organisation fields) -> registration id, inserted directly (the export only reads)."""

    def build(sequence: int, registered_on: date = DECIDED_ON, valid_until: date | None = None,
              state: str = "active", ended_on: date | None = None, end_reason: str | None = None,
              **organisation) -> int:
        owner = make_user()
        organisation_id = make_organisation(owner, **{"name": f"団体{sequence}", "kind": "group",
                                                              "corporate_number": None, **organisation})
        with app.app_context():
            registration = Registration(
                number=Registration.format_number(9, sequence), cohort_id=cohort_id, sequence=sequence,
                organisation_id=organisation_id, registered_on=registered_on,
                valid_until=valid_until or term_end(registered_on), state=RegistrationState(state),
                ended_on=ended_on, end_reason=end_reason)
            db.session.add(registration)
            db.session.commit()
            return registration.id

    return build


def _client(app, user_id: int | None, english: bool = True):
    client = app.test_client()
    if user_id is not None:
        login(client, user_id)
    if english:
        client.get("/?lang=en")
    return client


def _csv(client, **args) -> list[list[str]]:
    response = client.get("/staff/registrations/export.csv", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _numbers(rows) -> list[str]:
    return [row[0] for row in rows[1:]]


# --- content and filters -------------------------------------------------------------------------

def test_the_export_lists_the_filtered_registrations_in_csv(app, add, make_user, cohort_id):
    active = add(1, name="熊本商事株式会社", name_kana="クマモトショウジカブシキガイシャ", kind="corporation",
                 corporate_number="8330001000000")
    add(2, state="withdrawn", ended_on=TODAY - timedelta(days=3),
        end_reason="事業を終了したため", **YATSUSHIRO)
    add(3, registered_on=TODAY - timedelta(days=800), valid_until=TODAY - timedelta(days=1), **YATSUSHIRO)
    assert active
    client = _client(app, make_user("reviewer"))

    response = client.get("/staff/registrations/export.csv")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body  # the BOM Excel needs for UTF-8
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="registrations-')

    rows = _csv(client)
    assert rows[0] == HEADER
    assert _numbers(rows) == ["KS09-0001", "KS09-0002", "KS09-0003"]
    first = dict(zip(HEADER, rows[1]))
    assert first["Name of the organisation"] == "熊本商事株式会社"
    assert first["Name in katakana"] == "クマモトショウジカブシキガイシャ"
    assert first["Corporate number"] == "8330001000000"
    assert first["Municipality code"] == "43101" and first["Municipality"] == "Kumamoto City Chuo Ward"
    assert first["Inside Kumamoto City"] == "Yes" and first["Industry"].startswith("E ")
    assert first["Cohort"] == "9" and first["Registered on"] == DECIDED_ON.isoformat()
    assert first["Valid until"] == term_end(DECIDED_ON).isoformat()
    assert first["Status"] == "Active" and first["Ended on"] == "" and first["End reason"] == ""
    withdrawn = dict(zip(HEADER, rows[2]))
    assert withdrawn["Corporate number"] == ""
    assert withdrawn["Municipality"] == "Yatsushiro City" and withdrawn["Inside Kumamoto City"] == "No"
    assert withdrawn["Status"] == "Withdrawn by the registrant"
    assert withdrawn["Ended on"] == (TODAY - timedelta(days=3)).isoformat()
    assert withdrawn["End reason"] == "事業を終了したため"
    assert dict(zip(HEADER, rows[3]))["Status"] == "Expired"

    # The list's filters, through the same code: a withdrawn registration is filtered by status.
    assert _numbers(_csv(client, status="withdrawn")) == ["KS09-0002"]
    assert _numbers(_csv(client, status="active")) == ["KS09-0001"]
    assert _numbers(_csv(client, status="expired")) == ["KS09-0003"]
    assert _numbers(_csv(client, where="outside")) == ["KS09-0002", "KS09-0003"]
    assert _numbers(_csv(client, where="in_city", cohort=cohort_id)) == ["KS09-0001"]
    assert _numbers(_csv(client, q="ｋｓ０９－０００３")) == ["KS09-0003"]
    assert _numbers(_csv(client, q="熊本商事")) == ["KS09-0001"]
    assert _csv(client, q="見つからない名前") == [HEADER]  # nothing matches: the header only
    assert _csv(client, cohort=cohort_id + 1) == [HEADER]

    # The list links to the export with its filters.
    html = client.get(LIST, query_string={"status": "withdrawn", "where": "outside"}).get_data(as_text=True)
    assert 'href="/staff/registrations/export.csv?status=withdrawn&amp;where=outside"' in html
    assert 'href="/staff/registrations/export.xlsx?status=withdrawn&amp;where=outside"' in html


def test_a_scheduled_withdrawal_is_active_until_it_ends(app, add, make_user):
    add(1, state="withdrawn", ended_on=TODAY + timedelta(days=10), end_reason="統合のため")
    client = _client(app, make_user("secretariat"))
    assert _numbers(_csv(client, status="withdrawn")) == []
    [row] = _csv(client, status="active")[1:]
    assert row[11] == "Active" and row[12] == (TODAY + timedelta(days=10)).isoformat()


def test_the_export_has_every_page(app, add, make_user, monkeypatch):
    from portal.registrations import staff_views

    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    for sequence in range(1, 6):
        add(sequence)
    client = _client(app, make_user("reviewer"))
    assert _client(app, None, english=False).get(LIST).status_code == 302
    assert client.get(LIST).get_data(as_text=True).count('id="registration-') == 2
    assert _numbers(_csv(client)) == [f"KS09-000{n}" for n in range(1, 6)]


def test_the_export_as_xlsx_refuses_formula_injection(app, add, make_user):
    add(1, name="=1+2")
    add(2, name="熊本商事", state="revoked", ended_on=TODAY - timedelta(days=1), end_reason="-虚偽の申請")
    client = _client(app, make_user("reviewer"))

    rows = _csv(client)
    assert rows[1][1] == "'=1+2" and rows[2][13] == "'-虚偽の申請"
    assert rows[2][11] == "Revoked"

    response = client.get("/staff/registrations/export.xlsx", query_string={"q": "KS09"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]] == HEADER and sheet.freeze_panes == "A2"
    name = sheet.cell(row=2, column=2)
    assert name.data_type == "s" and name.value == "'=1+2"  # text, not a formula
    row = [c.value for c in sheet[2]]
    assert row[0] == "KS09-0001" and row[8] == 9  # numbers stay numbers
    assert isinstance(row[9], datetime) and row[9].date() == DECIDED_ON  # dates stay dates
    assert sheet.cell(row=3, column=14).value == "'-虚偽の申請"
    assert sheet.max_row == 3


# --- who may ---------------------------------------------------------------------------------------

def test_applicants_and_partners_are_refused_the_export(app, add, make_user):
    add(1)
    applicant = _client(app, make_user("applicant"), english=False)
    partner = _client(app, make_user("partner", partner="bank-x"), english=False)
    for visitor in (applicant, partner):
        for fmt in ("csv", "xlsx"):
            assert visitor.get(f"/staff/registrations/export.{fmt}").status_code == 403
    anonymous = app.test_client()
    for fmt in ("csv", "xlsx"):
        response = anonymous.get(f"/staff/registrations/export.{fmt}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.get("/staff/registrations/export.pdf").status_code == 404
    secretariat = _client(app, make_user("secretariat"), english=False)
    for fmt in ("csv", "xlsx"):
        assert secretariat.get(f"/staff/registrations/export.{fmt}").status_code == 200


# --- cost ------------------------------------------------------------------------------------------

def test_the_export_costs_the_same_queries_for_3_and_30_registrations(app, add, make_user):
    client = _client(app, make_user("secretariat"))

    def add_many(start: int, count: int) -> None:
        for sequence in range(start, start + count):
            add(sequence, **(YATSUSHIRO if sequence % 2 else {}),
                **({"state": "withdrawn", "ended_on": TODAY - timedelta(days=1), "end_reason": "r"}
                   if sequence % 5 == 0 else {}))

    def measure() -> dict[str, list[str]]:
        found = {}
        for fmt in ("csv", "xlsx"):
            client.get(f"/staff/registrations/export.{fmt}").get_data()  # warm up (session, language)
            with counted(app) as statements:
                response = client.get(f"/staff/registrations/export.{fmt}")
                body = response.get_data()  # a streamed CSV queries while it is read
            assert response.status_code == 200 and body
            found[fmt] = list(statements)
        return found

    add_many(1, 3)
    small = measure()
    add_many(4, 27)
    large = measure()
    rows = _csv(client)
    assert len(rows) == 31 and sum(row[11] == "Withdrawn by the registrant" for row in rows[1:]) == 6
    for fmt in ("csv", "xlsx"):
        assert len(small[fmt]) == len(large[fmt]), "\n".join(large[fmt])
        assert sum("FROM registrations" in s for s in large[fmt]) == 1, "\n".join(large[fmt])
