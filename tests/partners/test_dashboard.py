"""The partner's list of supported organisations: every status, filters, search, counts, the
CSV/XLSX export of the same list, and a number of queries that does not grow with the list."""
from __future__ import annotations

import re

import pytest

from support import counted, warm_user
from partner_support import client_for, csv_rows, record, xlsx_rows

STATUS_OF = {
    "申請中株式会社": "applying", "審査中株式会社": "under_review", "登録有効株式会社": "registered",
    "期限間近株式会社": "ending", "期間満了株式会社": "expired", "辞退済株式会社": "ended",
    "不登録株式会社": "not_registered", "未申請株式会社": None,
}
HEADER = ["Name of the organisation", "Name in katakana", "Corporate number", "Municipality",
          "Inside Kumamoto City", "Industry", "Status", "Registration number", "Registered on", "Valid until",
          "Consented on", "Support records", "Latest support", "Contact person", "Phone", "E-mail address"]


ROW = re.compile(r'data-status="(\w+)">\s*<th scope="row" lang="ja"><a href="[^"]+">([^<]+)</a>')


def _rows(html: str) -> dict[str, str]:
    """{organisation name: status} of the list's rows, in order."""
    return {name: status for status, name in ROW.findall(html)}


@pytest.fixture
def listed(app, partner, organisation):
    user = partner("bank-a")
    for name, status in STATUS_OF.items():
        organisation(name, status=status)
    organisation("八代支援先株式会社", status="registered", postal_code="8660862", address="熊本県八代市松江城町1-25",
                 kind="corporation", corporate_number="8330001000000", name_kana="ヤツシロシエンサキ")
    return user, client_for(app, user)


def test_every_status_is_shown_and_filtered(listed):
    _user, client = listed
    rows = _rows(client.get("/partner/").get_data(as_text=True))
    assert {name: status for name, status in rows.items() if name in STATUS_OF} == {
        name: status or "no_application" for name, status in STATUS_OF.items()}
    for name, status in STATUS_OF.items():
        filtered = _rows(client.get("/partner/", query_string={"status": status or "no_application"}).get_data(
            as_text=True))
        assert name in filtered and all(s == (status or "no_application") for s in filtered.values())


def test_the_counts_search_and_location_filter(listed):
    _user, client = listed
    html = client.get("/partner/").get_data(as_text=True)
    assert 'data-count="all">9<' in html and 'data-count="registered">2<' in html and 'data-count="ending">1<' in html
    assert list(_rows(client.get("/partner/?q=ﾔﾂｼﾛ").get_data(as_text=True))) == ["八代支援先株式会社"]
    assert list(_rows(client.get("/partner/?q=8330001000000").get_data(as_text=True))) == ["八代支援先株式会社"]
    assert list(_rows(client.get("/partner/?q=期限間近").get_data(as_text=True))) == ["期限間近株式会社"]
    assert list(_rows(client.get("/partner/?where=outside").get_data(as_text=True))) == ["八代支援先株式会社"]
    assert "八代支援先株式会社" not in _rows(client.get("/partner/?where=in_city").get_data(as_text=True))
    # Nonsense filters are ignored, never an error.
    assert client.get("/partner/?status=<x>&where=moon&page=-3").status_code == 200


def test_the_export_is_the_same_list_in_csv_and_xlsx(app, listed, organisation):
    user, client = listed
    numbered = organisation("番号検索株式会社", status="registered")
    record(app, user, numbered.organisation_id, notes="x")
    record(app, user, numbered.organisation_id, notes="y", days_ago=3)
    csv = csv_rows(client.get("/partner/export.csv"))
    xlsx = xlsx_rows(client.get("/partner/export.xlsx"))
    assert csv[0] == HEADER and [str(c) for c in xlsx[0]] == HEADER
    page_names = list(_rows(client.get("/partner/").get_data(as_text=True)))
    assert [row[0] for row in csv[1:]] == page_names == [row[0] for row in xlsx[1:]]
    found = dict(zip(HEADER, next(row for row in csv[1:] if row[0] == "番号検索株式会社")))
    assert found["Status"] == "Registered and valid" and found["Registration number"].startswith("KS09-")
    assert found["Support records"] == "2"
    # The export follows the filters (here: the page's status filter).
    ending = csv_rows(client.get("/partner/export.csv?status=ending"))
    assert [row[0] for row in ending[1:]] == ["期限間近株式会社"]
    html = client.get("/partner/?status=ending").get_data(as_text=True)
    assert 'href="/partner/export.csv?status=ending"' in html


def test_the_export_is_audited(app, listed):
    from portal.core.audit import AuditEntry
    from portal.core.extensions import db

    user, client = listed
    client.get("/partner/export.xlsx?status=ending")
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "partner.exported"))
        assert entry.actor_id == user and entry.changes == {"format": "xlsx", "filters": {"status": "ending"}}


def test_formulas_in_names_are_neutralised_in_the_export(app, partner, organisation):
    user = partner("bank-a")
    organisation("=HYPERLINK(\"http://evil\")")
    rows = csv_rows(client_for(app, user).get("/partner/export.csv"))
    assert rows[1][0].startswith("'=")


@pytest.mark.parametrize("path", ["/partner/", "/partner/export.csv", "/partner/export.xlsx"])
def test_the_number_of_queries_does_not_grow_with_the_organisations(app, partner, organisation, path):
    user = partner("bank-a")
    client = client_for(app, user)

    def add(count: int, start: int):
        for index in range(start, start + count):
            status = ("applying", "registered", "ending", None)[index % 4]
            built = organisation(f"団体{index}", status=status)
            if index % 2:
                record(app, user, built.organisation_id)

    def measure() -> int:
        warm_user(client)
        with counted(app) as statements:
            response = client.get(path)
            assert response.status_code == 200
            response.get_data()  # a CSV is read while it is sent
        return len(statements)

    add(2, 0)
    measure()  # the first request also reads what every page keeps (the footer's contact blocks)
    few = measure()
    add(20, 2)
    assert measure() == few
