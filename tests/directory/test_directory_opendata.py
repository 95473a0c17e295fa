"""The open data: exactly the directory's registrants (without filters), as CSV (UTF-8 with BOM,
CRLF) and JSON (with its licence), cacheable by anyone; and the page that describes them."""
from __future__ import annotations

import csv
import io

from directory_data import LATER, LISTED, RECENT, TODAY, numbers_on, page_text
from pages import structure_problems

from portal.core.extensions import db
from portal.demo.historical import historical_rows
from portal.registrations import operations as registrations
from portal.registrations.terms import term_end

HEADER = ["registration_number", "name", "name_kana", "municipality_code", "municipality", "in_city", "industry",
          "goals", "cohort", "registered_on", "valid_until"]


def _csv_rows(client) -> list[dict[str, str]]:
    body = client.get("/opendata/registrants.csv").get_data()
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _directory_numbers(client) -> list[str]:
    """Every registration number the directory shows, page after page."""
    found, page = [], 1
    while True:
        numbers = numbers_on(page_text(client.get(f"/registrants?page={page}")))
        if not numbers:
            return found
        found += numbers
        page += 1


def test_the_csv_is_utf8_with_bom_and_crlf_with_the_contract_header(client, registrants):
    response = client.get("/opendata/registrants.csv")
    body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == ",".join(HEADER)
    assert lines[-1] == "" and "\n" not in "".join(lines)  # every line ends in CRLF, and only there
    assert len(lines) == 1 + len(LISTED) + 1
    rows = _csv_rows(client)
    assert [row["registration_number"] for row in rows] == LISTED
    first = rows[0]
    assert first == {
        "registration_number": "KS02-0001", "name": "くまもと水と森の会", "name_kana": "クマモトミズトモリノカイ",
        "municipality_code": "43101", "municipality": "熊本市中央区", "in_city": "TRUE", "industry": "R",
        "goals": "6;13;15", "cohort": "2", "registered_on": RECENT.isoformat(),
        "valid_until": term_end(RECENT).isoformat(),
    }
    by_number = {row["registration_number"]: row for row in rows}
    assert by_number["KS02-0003"]["in_city"] == "FALSE" and by_number["KS02-0003"]["municipality"] == "阿蘇市"
    assert by_number["KS02-0006"]["municipality_code"] == "43105"  # 植木町 is in 北区 now
    assert by_number["KS02-0005"]["name"] == "SDGsラボ合同会社"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "registrants.csv" in response.headers["Content-Disposition"]


def test_the_json_has_the_licence_and_the_records(client, registrants):
    response = client.get("/opendata/registrants.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    data = response.get_json()
    meta = data["metadata"]
    assert meta["license"] == {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/deed.ja"}
    assert meta["publisher"] == "熊本県"
    assert meta["title"] == meta["attribution"] == "熊本県SDGs登録制度 登録事業者一覧"
    assert meta["generated_on"] == TODAY.isoformat()
    assert meta["count"] == len(data["registrants"]) == len(LISTED)
    assert meta["fields"] == HEADER
    assert meta["source"] == "http://portal.test/opendata"
    records = {r["registration_number"]: r for r in data["registrants"]}
    assert list(records) == LISTED
    assert records["KS03-0001"] == {
        "registration_number": "KS03-0001", "name": "白川環境サービス", "name_kana": "シラカワカンキョウサービス",
        "municipality_code": "43102", "municipality": "熊本市東区", "in_city": True, "industry": "R", "goals": [13],
        "cohort": 3, "registered_on": LATER.isoformat(), "valid_until": term_end(LATER).isoformat(),
    }
    assert records["KS02-0001"]["goals"] == [6, 13, 15] and records["KS02-0004"]["in_city"] is False
    assert all(list(record) == HEADER for record in records.values())


def test_the_open_data_holds_exactly_the_directory(app, client, registrants, imported, registration, staff_user):
    imported(historical_rows(47, 25, 4), 4)
    with app.test_request_context():
        registrations.withdraw_registration(registration("KS04-0010"), staff_user(), "")
        registrations.revoke_registration(registration("KS02-0002"), staff_user(), "取消")
        registrations.withdraw_registration(registration("KS04-0020"), staff_user(), "")
        db.session.commit()
    shown = _directory_numbers(client)
    assert len(shown) == len(LISTED) + 47 - 3
    csv_numbers = [row["registration_number"] for row in _csv_rows(client)]
    data = client.get("/opendata/registrants.json").get_json()
    json_numbers = [record["registration_number"] for record in data["registrants"]]
    assert csv_numbers == json_numbers == shown
    assert data["metadata"]["count"] == len(shown)
    assert {"KS04-0010", "KS02-0002", "KS04-0020", "KS01-0001"}.isdisjoint(shown)


def test_without_registrants_the_files_are_empty_but_valid(client):
    assert client.get("/opendata/registrants.csv").get_data() == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()
    data = client.get("/opendata/registrants.json").get_json()
    assert data["registrants"] == [] and data["metadata"]["count"] == 0


def test_the_open_data_page_describes_the_files_and_the_licence(client, registrants):
    response = client.get("/opendata?lang=en")
    html = page_text(response)
    assert response.status_code == 200 and structure_problems(html) == []
    assert 'href="/opendata/registrants.csv"' in html and 'href="/opendata/registrants.json"' in html
    assert "CC BY 4.0" in html and 'href="https://creativecommons.org/licenses/by/4.0/deed.ja"' in html
    assert "「熊本県SDGs登録制度 登録事業者一覧」" in html
    for name in HEADER:
        assert f"<code>{name}</code>" in html
    assert "10 registered organisations" in html
    ja = page_text(client.get("/opendata?lang=ja"))
    assert structure_problems(ja) == [] and "CC BY 4.0" in ja
