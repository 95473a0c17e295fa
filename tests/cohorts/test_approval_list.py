"""決裁 list of a closed or decided cohort, through HTTP: the entities to be registered with the
numbers the decision would give them (provisional, moved by a withdrawal), then the actual numbers
once decided, and those to be rejected — as an A4 landscape PDF (和暦 date, "N / M" page numbers,
the header on every page, fonts embedded) and as XLSX rows."""
from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pdf_checks import assert_fit_to_hand_over, require_poppler
from support import csrf_token, login

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.applications.models import Application
from portal.cohorts import operations
from portal.cohorts.models import Cohort
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.japanese import wareki
from portal.registrations.models import Registration

BASE = "/staff/cohorts"
KIND_GROUP_JA = "団体"  # OrganisationKind.GROUP in Japanese


@pytest.fixture
def secretariat(app, client, make_user):
    login(client, make_user("secretariat"))
    assert client.get("/?lang=ja").status_code == 200
    return client


def _pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext, layout kept)."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return [page for page in text.decode().split("\f") if page.strip()]


def _pdf(client, cohort_id: int) -> bytes:
    response = client.get(f"{BASE}/{cohort_id}/approval-list.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.get_data()


def _xlsx_rows(client, cohort_id: int) -> list[tuple]:
    response = client.get(f"{BASE}/{cohort_id}/approval-list.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    return [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]


def _mm(points: float) -> float:
    return points / 72 * 25.4


def test_a_closed_cohort_lists_provisional_numbers_in_the_decisions_order(app, secretariat, build_cohort):
    """団体0…団体2 recommended for approval, 団体3 for rejection; later ones submitted earlier, so
    団体2 is first. The numbers are those the decision then gives."""
    require_poppler()
    cohort_id, _ids = build_cohort(approve=3, reject=1, undecided=1, number=7)
    page = secretariat.get(f"{BASE}/{cohort_id}").get_data(as_text=True)
    assert f'href="{BASE}/{cohort_id}/approval-list.pdf"' in page
    assert f'href="{BASE}/{cohort_id}/approval-list.xlsx"' in page

    pdf = _pdf(secretariat, cohort_id)
    assert_fit_to_hand_over(pdf)
    from pdf_checks import media_boxes

    x0, y0, x1, y1 = media_boxes(pdf)[1]
    assert round(_mm(x1 - x0)) == 297 and round(_mm(y1 - y0)) == 210  # A4 landscape
    pages = _pdf_pages(pdf)
    text = "\n".join(pages)
    assert "第7期" in text and wareki(today_jst()) in text  # the cohort, printed on (和暦)
    lines = [line for line in text.splitlines() if "KS07-" in line]
    assert [re.search(r"KS07-\d{4}", line).group(0) for line in lines] == ["KS07-0001", "KS07-0002", "KS07-0003"]
    assert ["団体2" in lines[0], "団体1" in lines[1], "団体0" in lines[2]] == [True] * 3
    assert "団体3" in text and "団体4" not in text  # rejected listed; the undecided one is not
    assert re.search(r"\b1 ?/ ?1\b", text)  # page 1 of 1
    for header in ("名称", "フリガナ", "法人番号", "区分", "市町村", "業種"):
        assert header in text

    rows = _xlsx_rows(secretariat, cohort_id)
    header, body = rows[0], rows[1:]
    assert (header[2], header[4], header[5], header[6], header[7], header[8], header[9]) == (
        "登録番号", "名称", "フリガナ", "法人番号", "区分", "市町村", "業種")
    assert [(r[2], r[4]) for r in body] == [("KS07-0001", "団体2"), ("KS07-0002", "団体1"), ("KS07-0003", "団体0"),
                                             ("", "団体3")]
    assert [r[3] for r in body] == ["はい", "はい", "はい", ""]  # provisional
    assert body[0][7] == KIND_GROUP_JA and body[0][6] == ""  # a group, without 法人番号


def test_the_decision_gives_the_numbers_the_list_showed_and_a_withdrawal_moves_them(app, secretariat, build_cohort,
                                                                                     make_user):
    require_poppler()
    cohort_id, ids = build_cohort(approve=3, reject=1, number=7)
    with app.app_context():
        by_name = {db.session.get(Application, i).organisation.name: i for i in ids}
        owner_id = db.session.get(Application, by_name["団体2"]).organisation.owner.id
    with app.test_request_context():  # 団体2, first in line, withdraws before the decision
        applications.withdraw_application(db.session.get(Application, by_name["団体2"]), db.session.get(User, owner_id))
        db.session.commit()
    body = _xlsx_rows(secretariat, cohort_id)[1:]
    shown = {r[4]: r[2] for r in body if r[2]}
    assert shown == {"団体1": "KS07-0001", "団体0": "KS07-0002"}  # each moved up one

    token = csrf_token(secretariat, f"{BASE}/{cohort_id}")
    response = secretariat.post(f"{BASE}/{cohort_id}/decide", data={"csrf_token": token, "decided_on": "2026-12-20",
                                                                      "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        actual = {r.organisation.name: r.number for r in db.session.scalars(
            select(Registration).where(Registration.cohort_id == cohort_id))}
    assert actual == shown

    # Decided: the actual numbers, not provisional, with the decision date.
    rows = _xlsx_rows(secretariat, cohort_id)[1:]
    assert {r[4]: r[2] for r in rows if r[2]} == actual and all(r[3] == "" for r in rows)
    assert [r[4] for r in rows if not r[2]] == ["団体3"]
    text = "\n".join(_pdf_pages(_pdf(secretariat, cohort_id)))
    assert "KS07-0001" in text and "令和8年12月20日に登録決定" in text and "団体2" not in text


def test_a_long_list_runs_over_pages_with_the_header_on_each_and_page_numbers(app, secretariat, build_cohort):
    require_poppler()
    cohort_id, _ids = build_cohort(approve=45, reject=3, number=7)
    pdf = _pdf(secretariat, cohort_id)
    if os.environ.get("APPROVAL_LIST_PDF"):  # to look at it
        Path(os.environ["APPROVAL_LIST_PDF"]).write_bytes(pdf)
    assert_fit_to_hand_over(pdf)
    pages = _pdf_pages(pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"\b{number} ?/ ?{len(pages)}\b", page), page[-300:]
        assert "登録番号" in page or "法人番号" in page  # the header row repeats
        assert "フリガナ" in page
    numbers = re.findall(r"KS07-(\d{4})", "\n".join(pages))
    assert [int(n) for n in numbers] == list(range(1, 46))  # in order, gapless, across the pages


def test_an_open_cohort_has_no_list_yet(app, secretariat, make_user):
    from datetime import datetime, timedelta, timezone

    from portal.cohorts.models import CohortState

    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = operations.plan_cohort(5, now - timedelta(days=1), now + timedelta(days=10))
        operations.move_cohort(cohort, CohortState.OPEN)
        db.session.commit()
        cohort_id = cohort.id
    assert secretariat.get(f"{BASE}/{cohort_id}/approval-list.pdf").status_code == 404
    assert secretariat.get(f"{BASE}/{cohort_id}/approval-list.xlsx").status_code == 404
    assert "approval-list.pdf" not in secretariat.get(f"{BASE}/{cohort_id}").get_data(as_text=True)


def test_a_renewal_keeps_its_number_and_is_not_provisional(app, secretariat, build_cohort, make_user):
    from datetime import date, datetime, timedelta, timezone

    from portal.applications.models import ApplicationKind
    from portal.cohorts.models import CohortState

    first_id, ids = build_cohort(approve=1, reject=0, number=6)
    with app.test_request_context():
        operations.decide_cohort(db.session.get(Cohort, first_id), date(2026, 1, 20), None)
        db.session.commit()
    reviewer_id = make_user("reviewer", email="renewal-reviewer@example.jp")
    with app.test_request_context():  # the registrant renews in cohort 10
        registration = db.session.scalar(select(Registration))
        now = datetime.now(timezone.utc)
        later = operations.plan_cohort(10, now - timedelta(days=1), now + timedelta(days=10))
        operations.move_cohort(later, CohortState.OPEN)
        application = db.session.get(Application, ids[0])
        owner = application.organisation.owner
        renewal = applications.start_application(application.organisation, later, owner, kind=ApplicationKind.RENEWAL,
                                                 content=application.content, registration=registration)
        applications.submit_application(renewal, owner)
        reviewer = db.session.get(User, reviewer_id)
        applications.start_review(renewal, reviewer)
        applications.recommend(renewal, True, reviewer)
        operations.move_cohort(later, CohortState.CLOSED)
        db.session.commit()
        later_id, number = later.id, registration.number
    body = _xlsx_rows(secretariat, later_id)[1:]
    assert [(r[2], r[3], r[4]) for r in body] == [(number, "", "団体0")]  # KS06-0001, not a provisional KS10-…
    require_poppler()
    text = "\n".join(_pdf_pages(_pdf(secretariat, later_id)))
    assert number in text and "KS10-" not in text
