"""Claim letters (one PDF, a page per registrant without an owner, with its number, code and
address, the Japanese font embedded), the codes they make, and the staff list by claim status
with its CSV and XLSX."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from claim_helpers import code_data, post_form, request_data
from portal.claims.models import ClaimCode
from portal.core.extensions import db
from portal.core.pdf import embedded_fonts
from support import login


def _secretariat(app, make_user):
    client = app.test_client()
    login(client, make_user("secretariat", email="sec@example.jp", locale="en"))
    return client


def _letters(client, cohort_id):
    return post_form(client, f"/staff/claims/cohorts/{cohort_id}/letters", {})


def test_the_letters_pdf_has_a_page_per_registrant_with_a_code_that_works(app, imported, make_user, client,
                                                                          claimant):
    secretariat = _secretariat(app, make_user)
    response = _letters(secretariat, imported["cohort"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.get_data()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert {"IPAexGothic", "IPAexMincho"} <= embedded_fonts(pdf)
    first = reader.pages[0].extract_text()
    for text in ("KS01-0001", "〒860-0806", "熊本県熊本市中央区花畑町1-1", "株式会社肥後引継", "御中", "引継ぎコード",
                 "http://portal.test/claim/code", "拝啓", "敬具"):
        assert text in first, text
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", first).group()
    assert "KS01-0002" in reader.pages[1].extract_text() and "くまもと川守の会" in reader.pages[1].extract_text()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClaimCode)) == 3
    assert post_form(client, "/claim/code", code_data(code)).status_code == 302
    # printed again: only the two without an owner, with new codes
    again = PdfReader(io.BytesIO(_letters(secretariat, imported["cohort"]).get_data()))
    assert len(again.pages) == 2 and "KS01-0001" not in again.pages[0].extract_text()


def test_a_cohort_without_unclaimed_registrants_prints_nothing(app, imported, make_user):
    secretariat = _secretariat(app, make_user)
    from portal.organisations.models import Membership
    from portal.registrations.models import Registration

    with app.app_context():
        user_ids = [make_user(email=f"m{i}@example.jp") for i in range(3)]
        for user_id, registration in zip(user_ids, db.session.scalars(select(Registration))):
            db.session.add(Membership(organisation_id=registration.organisation_id, user_id=user_id, is_owner=True))
        db.session.commit()
    response = _letters(secretariat, imported["cohort"])
    assert response.status_code == 302
    assert "there is no letter to print" in secretariat.get("/staff/claims/").get_data(as_text=True)


def test_the_staff_list_counts_and_exports(app, imported, make_user, client, claimant):
    from claim_helpers import issue

    secretariat = _secretariat(app, make_user)
    code = issue(app, [imported["corporation"]])[imported["corporation"]]
    post_form(client, "/claim/code", code_data(code))
    asker = app.test_client()
    login(asker, make_user(email="asker@example.jp", locale="en"))
    post_form(asker, "/claim/request", request_data(number="KS01-0002", corporate_number="", name="くまもと川守の会",
                                                    postal_code="8618001"))
    page = secretariat.get("/staff/claims/").get_data(as_text=True)
    row = page[page.index("<th scope=\"row\">"):]
    row = row[:row.index("</tr>")]

    cells = re.findall(r'class="number">(?:<a [^>]+>)?(\d+)', row)
    assert cells == ["3", "1", "1", "1"]  # registrations, claimed, waiting, unclaimed
    listing = secretariat.get(f"/staff/claims/registrants?cohort={imported['cohort']}&status=unclaimed")
    text = listing.get_data(as_text=True)
    assert "KS01-0003" in text and "KS01-0001" not in text and "KS01-0002" not in text
    csv_text = secretariat.get(f"/staff/claims/registrants.csv?cohort={imported['cohort']}").get_data().decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 4 and "Claim status" in lines[0]
    assert "claimant@example.jp" in lines[1] and "Claimed" in lines[1]
    assert "Claim waiting" in lines[2] and "Unclaimed" in lines[3]
    xlsx = secretariat.get("/staff/claims/registrants.xlsx?status=claimed")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][0] == "KS01-0001" and values[1][9] == "claimant@example.jp"

