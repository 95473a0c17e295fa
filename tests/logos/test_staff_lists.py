"""The staff lists (waiting, live, ended …), search, and the CSV / XLSX export."""
from __future__ import annotations

import csv
import io

from pages import structure_problems
from support import login


def test_the_lists_sort_requests_by_where_they_stand(app, client, holder, secretariat, make_permit, load):
    ids = {state: make_permit(holder, state=state, holder_name=f"会社-{state}")
           for state in ("draft", "submitted", "returned", "approved", "rejected", "revoked", "expired")}
    login(client, secretariat)
    expected = {"waiting": {"submitted"}, "live": {"approved"}, "returned": {"returned"}, "ended": {"expired"},
                "rejected": {"rejected"}, "revoked": {"revoked"},
                "all": {"submitted", "returned", "approved", "rejected", "revoked", "expired"}}
    for name, states in expected.items():
        response = client.get(f"/staff/logos/?list={name}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and structure_problems(html) == []
        shown = {state for state, permit_id in ids.items() if f'id="permit-{permit_id}"' in html}
        assert shown == states, name
    assert f'id="permit-{ids["submitted"]}"' in client.get("/staff/logos/").get_data(as_text=True)
    number = load(ids["approved"]).number
    found = client.get(f"/staff/logos/?list=all&q={number.lower()}").get_data(as_text=True)
    assert f'id="permit-{ids["approved"]}"' in found and f'id="permit-{ids["revoked"]}"' not in found
    by_name = client.get("/staff/logos/?list=all&q=会社-revoked").get_data(as_text=True)
    assert f'id="permit-{ids["revoked"]}"' in by_name and f'id="permit-{ids["approved"]}"' not in by_name


def test_the_export_has_the_list_as_filtered_in_csv_and_xlsx(app, client, holder, secretariat, make_permit, load):
    from openpyxl import load_workbook

    live = make_permit(holder, state="approved", holder_name="=HYPERLINK(\"http://evil\")")
    make_permit(holder, state="submitted")
    login(client, secretariat)
    response = client.get("/staff/logos/export.csv?list=live")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2
    header, row = rows
    assert row[header.index(header[1])] == load(live).number
    assert row[4].startswith("'=")  # formula injection guarded
    workbook = client.get("/staff/logos/export.xlsx?list=all")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet.max_row == 3


def test_the_staff_menu_links_the_permits(client, secretariat):
    login(client, secretariat)
    assert "/staff/logos/" in client.get("/staff/").get_data(as_text=True)
