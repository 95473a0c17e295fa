"""The review queue's export (CSV/XLSX, the page's filters, formula injection refused, one
query), the check of the checklist (saved, then offered as the return note) and comments
(internal ones stay with staff; messages reach the applicant by mail and on their page)."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pages import structure_problems
from sqlalchemy import func, select
from support import counted, csrf_token, login, require_or_skip

from portal.accounts.models import User
from portal.applications import operations
from portal.applications.models import Application, ReviewComment
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import JST

QUEUE = "/staff/review/"
HEADER = ["Application no.", "Cohort", "Name of the organisation", "Name in katakana",
          "Corporate number", "Municipality", "Inside Kumamoto City", "Industry", "Status",
          "Submitted at (JST)", "Reviewer", "Revisions"]


def _post(client, path: str, data: dict, follow: bool = False):
    token = csrf_token(client, QUEUE)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=follow)


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _english(client):
    client.get("/?lang=en")
    return client


def _csv(client, **args) -> list[list[str]]:
    response = client.get("/staff/review/export.csv", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def _ids(rows) -> list[int]:
    return [int(row[0]) for row in rows[1:]]


# --- the export ----------------------------------------------------------------------------

def test_the_export_lists_the_filtered_queue_in_csv(app, make_cohort, make_submitted, reviewer, staff_client):
    cohort, other_cohort = make_cohort(3), make_cohort(4)
    kumamoto = make_submitted(cohort, name="熊本商事株式会社", name_kana="クマモトショウジカブシキガイシャ",
                              corporate_number="8330001000000")
    yatsushiro = make_submitted(cohort, name="八代建設", name_kana="ヤツシロケンセツ", where="yatsushiro", industry="D",
                                state="under_review")
    later = make_submitted(other_cohort, name="あさひ食品", name_kana="アサヒショクヒン")
    draft = make_submitted(cohort, state="draft")
    with app.test_request_context():
        operations.assign_reviewer(db.session.get(Application, yatsushiro), db.session.get(User, reviewer),
                                   db.session.get(User, reviewer))
        db.session.commit()
        submitted_at = db.session.get(Application, kumamoto).submitted_at
    client = _english(staff_client(reviewer))

    rows = _csv(client, sort="submitted")  # any filter given: every cohort and status
    assert rows[0] == HEADER
    assert _ids(rows) == [kumamoto, yatsushiro, later] and draft not in _ids(rows)  # submitted, oldest first
    first = rows[1]
    assert first[:5] == [str(kumamoto), "3", "熊本商事株式会社", "クマモトショウジカブシキガイシャ", "8330001000000"]
    assert first[5] == "Kumamoto City Chuo Ward" and first[6] == "Yes" and first[7].startswith("E ")
    assert first[8] == "Submitted" and first[10] == "" and first[11] == "1"
    assert first[9] == submitted_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    second = rows[2]
    assert second[5] == "Yatsushiro City" and second[6] == "No" and second[8] == "Under review"
    assert second[10] == "審査 一郎"

    # The page's filters, all of them through the same code.
    assert _ids(_csv(client, where="outside")) == [yatsushiro]
    assert _ids(_csv(client, q="くまもと")) == [kumamoto]
    assert _ids(_csv(client, state="under_review")) == [yatsushiro]
    assert _ids(_csv(client, reviewer="mine")) == [yatsushiro]
    assert _ids(_csv(client, reviewer="unassigned")) == [later, kumamoto]  # newest first unless asked
    assert _ids(_csv(client, sort="name")) == [later, kumamoto, yatsushiro]
    assert _ids(_csv(client, industry="D")) == [yatsushiro]
    with app.app_context():
        cohort_4 = db.session.scalar(select(Application.cohort_id).where(Application.id == later))
    assert _ids(_csv(client, cohort=cohort_4)) == [later]
    assert _csv(client, q="見つからない名前") == [HEADER]  # nothing matches: the header only

    # The queue links to the export with its filters.
    html = client.get(QUEUE, query_string={"where": "outside", "q": "八代"}).get_data(as_text=True)
    assert 'href="/staff/review/export.csv?where=outside&amp;q=%E5%85%AB%E4%BB%A3"' in html
    assert 'id="export-xlsx"' in html


def test_the_export_has_every_page_and_streams(make_cohort, make_submitted, reviewer, staff_client, monkeypatch):
    from portal.review import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    cohort = make_cohort()
    ids = [make_submitted(cohort) for _ in range(5)]
    client = staff_client(reviewer)
    assert _ids(_csv(client, sort="submitted")) == ids
    assert _ids(_csv(client)) == ids[::-1]  # as the queue opens: the current cohort, newest first
    response = client.get("/staff/review/export.csv", buffered=False)  # as a server sends it
    assert response.is_streamed and response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_an_unread_export_does_not_disturb_the_next_request(make_cohort, make_submitted, make_user, reviewer,
                                                           staff_client):
    """A streamed body nobody reads (a client checking the status only) must not leave its
    request behind for the next one to run in (with the previous user's `g` and session)."""
    import gc

    make_submitted(make_cohort())
    unread = staff_client(reviewer).get("/staff/review/export.csv")
    assert unread.status_code == 200
    other = staff_client(make_user("secretariat", name="別人 四郎"))
    response = other.get("/account")
    assert response.status_code == 200 and "別人 四郎" in response.get_data(as_text=True)
    del unread
    gc.collect()
    assert other.get(QUEUE).status_code == 200


def test_the_export_as_xlsx(app, make_cohort, make_submitted, reviewer, staff_client):
    cohort = make_cohort(3)
    application_id = make_submitted(cohort, name="熊本商事", name_kana="クマモトショウジ")
    client = _english(staff_client(reviewer))
    response = client.get("/staff/review/export.xlsx", query_string={"state": "submitted"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="review-queue-') and "filename*=UTF-8''" in disposition
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]] == HEADER and sheet.freeze_panes == "A2"
    row = [c.value for c in sheet[2]]
    assert row[0] == application_id and row[1] == 3 and row[2] == "熊本商事" and row[11] == 1  # numbers stay numbers
    assert isinstance(row[9], datetime)
    assert sheet.max_row == 2


def test_the_export_refuses_formula_injection(app, make_cohort, make_submitted, reviewer, staff_client):
    cohort = make_cohort()
    names = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+81-96-000", "-1+1", "@SUM(A1)"]
    ids = [make_submitted(cohort, name=name) for name in names]
    client = staff_client(reviewer)

    rows = _csv(client, sort="submitted")
    assert [row[2] for row in rows[1:]] == ["'" + name for name in names]
    assert [int(row[0]) for row in rows[1:]] == ids  # the numbers are not touched

    sheet = load_workbook(io.BytesIO(client.get("/staff/review/export.xlsx?sort=submitted").get_data())).active
    for n, name in enumerate(names, start=2):
        cell = sheet.cell(row=n, column=3)
        assert cell.data_type == "s" and cell.value == "'" + name  # text, not a formula


def test_the_export_costs_the_same_queries_for_3_and_30_applications(app, make_cohort, make_submitted, reviewer,
                                                                    secretariat, staff_client):
    cohort = make_cohort()
    client = staff_client(secretariat)

    def add(count: int) -> None:
        for n in range(count):
            application_id = make_submitted(cohort, where=("kumamoto", "yatsushiro", "mismatch")[n % 3])
            if n % 2:
                with app.test_request_context():
                    operations.assign_reviewer(db.session.get(Application, application_id),
                                               db.session.get(User, reviewer), db.session.get(User, secretariat))
                    db.session.commit()

    def measure() -> dict[str, list[str]]:
        found = {}
        for fmt in ("csv", "xlsx"):
            client.get(f"/staff/review/export.{fmt}").get_data()  # warm up (session, language)
            with counted(app) as statements:
                response = client.get(f"/staff/review/export.{fmt}")
                body = response.get_data()  # a streamed CSV queries while it is read
            assert response.status_code == 200 and body
            found[fmt] = list(statements)
        return found

    add(3)
    small = measure()
    add(27)
    large = measure()
    assert len(_csv(client)) == 31
    for fmt in ("csv", "xlsx"):
        assert len(small[fmt]) == len(large[fmt]), "\n".join(large[fmt])
        assert sum("FROM applications" in s for s in large[fmt]) == 1, "\n".join(large[fmt])


# --- who may ------------------------------------------------------------------------------

def test_applicants_and_partners_are_refused_the_new_endpoints(app, client, applicant, make_user, make_cohort,
                                                              make_application, complete_content, load):
    own = make_application(applicant[0], make_cohort(), complete_content())
    with app.test_request_context():
        operations.submit_application(db.session.get(Application, own), db.session.get(User, applicant[0]))
        db.session.commit()
    partner = app.test_client()
    login(partner, make_user("partner", partner="bank-x"))
    for visitor in (client, partner):  # the applicant (even for their own application) and a partner
        for fmt in ("csv", "xlsx"):
            assert visitor.get(f"/staff/review/export.{fmt}").status_code == 403
        token = csrf_token(visitor, "/account")
        response = visitor.post(f"/staff/review/{own}/verify", data={
            "csrf_token": token, "version": load(own).version, "check_B01": "fix", "check_note_B01": "x"})
        assert response.status_code == 403
        response = visitor.post(f"/staff/review/{own}/comments", data={
            "csrf_token": token, "comment": "x", "audience": "applicant"})
        assert response.status_code == 403
    assert load(own).verification is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 0
    anonymous = app.test_client()
    for path in ("/staff/review/export.csv", "/staff/review/export.xlsx"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.get("/staff/review/export.pdf").status_code == 404


def test_a_draft_cannot_be_checked_or_commented(make_cohort, make_submitted, reviewer, staff_client, load):
    draft = make_submitted(make_cohort(), state="draft")
    client = staff_client(reviewer)
    assert _post(client, f"/staff/review/{draft}/verify", {"version": load(draft).version,
                                                           "check_B01": "ok"}).status_code == 404
    assert _post(client, f"/staff/review/{draft}/comments", {"comment": "x"}).status_code == 404
    assert load(draft).verification is None


# --- the check of the checklist ------------------------------------------------------------

def test_the_check_is_saved_and_offered_as_the_return_note(app, make_cohort, make_submitted, reviewer,
                                                          staff_client, load):
    application_id = make_submitted(make_cohort())
    client = _english(staff_client(reviewer))
    path = f"/staff/review/{application_id}"
    html = client.get(path).get_data(as_text=True)
    assert structure_problems(html) == []
    assert 'id="verify-form"' in html and 'name="check_B01"' in html and 'name="check_note_C10"' in html
    assert 'id="return-prefilled"' not in html  # nothing checked yet: nothing to offer

    response = _post(client, f"{path}/verify", {
        "version": load(application_id).version, "back": path,
        "check_B01": "ok", "check_note_B01": "",
        "check_B02": "fix", "check_note_B02": "方針の文書が添付されていません。",
        "check_C01": "fix", "check_note_C01": "",
        "check_B03": "", "check_note_B03": "not checked: ignored"})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert "The check of the checklist was saved." in _flashes(client)
    application = load(application_id)
    assert application.verification == {"B01": {"ok": True, "note": ""},
                                        "B02": {"ok": False, "note": "方針の文書が添付されていません。"},
                                        "C01": {"ok": False, "note": ""}}
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.checklist_verified"))
        assert entry.actor_id == reviewer and entry.changes["needs_correction"] == ["B02", "C01"]

    html = client.get(path).get_data(as_text=True)
    assert structure_problems(html) == []
    assert '<option selected value="fix">' in html  # the saved check is shown
    assert 'id="return-prefilled"' in html
    note = _textarea(html, "note_checklist")
    with app.app_context():
        from portal.applications.checklist import load_checklist

        c01 = load_checklist("1").item("C01").text("en")
    assert note == f"B02: 方針の文書が添付されていません。\nC01: {c01}"
    assert "Checklist checked" in html and "Needs correction: B02, C01" in html  # the staff timeline

    # Returning with the note as offered passes it on to the applicant's checklist step.
    response = _post(client, f"{path}/return", {"version": load(application_id).version, "back": path,
                                                "message": "チェックリストを確認してください。", "note_checklist": note})
    assert response.status_code == 302
    application = load(application_id)
    assert application.state == "returned" and application.return_notes == {"checklist": note}

    # Returned: the check is shown, no longer changed.
    html = client.get(path).get_data(as_text=True)
    assert 'id="verify-form"' not in html and 'id="verification-saved"' in html
    _post(client, f"{path}/verify", {"version": load(application_id).version, "check_B01": "fix"})
    assert load(application_id).verification["B01"] == {"ok": True, "note": ""}
    assert "The checklist can be checked only while the application is submitted or under review." in _flashes(client)


def _textarea(html: str, name: str) -> str:
    import html as entities

    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert match, name
    return entities.unescape(match.group(1)).replace("\r\n", "\n").removeprefix("\n")  # WTForms adds a newline


def test_a_check_from_a_stale_page_or_too_long_is_refused(app, make_cohort, make_submitted, reviewer,
                                                         staff_client, load):
    application_id = make_submitted(make_cohort())
    client = _english(staff_client(reviewer))
    path = f"/staff/review/{application_id}"
    shown = load(application_id).version
    with app.test_request_context():
        operations.start_review(db.session.get(Application, application_id), db.session.get(User, reviewer))
        db.session.commit()
    response = _post(client, f"{path}/verify", {"version": shown, "check_B01": "fix", "check_note_B01": "古い画面"})
    assert response.status_code == 409 and "古い画面" in response.get_data(as_text=True)  # kept, to send again
    assert load(application_id).verification is None

    response = _post(client, f"{path}/verify", {"version": load(application_id).version, "check_B01": "fix",
                                                "check_note_B01": "長" * 1001})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and structure_problems(html) == []
    assert "Field cannot be longer than 1000 characters." in html
    assert load(application_id).verification is None


def test_verify_checklist_refuses_items_the_checklist_does_not_have(app, make_cohort, make_submitted, reviewer):
    application_id = make_submitted(make_cohort())
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        staff = db.session.get(User, reviewer)
        with pytest.raises(operations.ApplicationError) as refused:
            operations.verify_checklist(application, {"B99": {"ok": True, "note": ""}}, staff)
        assert refused.value.code == "unknown_checklist_item"
        assert operations.verify_checklist(application, {"B01": {"ok": True, "note": " 確認済み "}}, staff)
        assert application.verification == {"B01": {"ok": True, "note": "確認済み"}}
        assert not operations.verify_checklist(application, {"B01": {"ok": True, "note": "確認済み"}}, staff)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "application.checklist_verified")) == 1  # the unchanged save records nothing


# --- comments ------------------------------------------------------------------------------

def _owner(app, application_id: int) -> tuple[int, str]:
    with app.app_context():
        owner = db.session.get(Application, application_id).organisation.owner
        return owner.id, owner.email


def _applicant_client(app, application_id: int):
    client = app.test_client()
    login(client, _owner(app, application_id)[0])
    return _english(client)


def _status_shows_messages() -> bool:
    status = Path(__file__).resolve().parents[2] / "templates" / "applications" / "status.html"
    return "review/_applicant_messages.html" in status.read_text(encoding="utf-8")


def _messages_partial(app, application_id: int) -> str:
    """The applicant's messages section, rendered as the status page includes it."""
    from flask import render_template_string

    with app.test_request_context("/?lang=en"):
        application = db.session.get(Application, application_id)
        return render_template_string('{% include "review/_applicant_messages.html" %}', application=application)


def test_an_internal_comment_never_reaches_the_applicant(app, make_cohort, make_submitted, reviewer, staff_client,
                                                        mails, complete_content):
    application_id = make_submitted(make_cohort())
    client = _english(staff_client(reviewer))
    before = len(mails())
    body = "内部メモ：反社チェックは来週。"
    response = _post(client, f"/staff/review/{application_id}/comments", {"comment": body, "audience": "internal"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/review/{application_id}#comments")
    assert "The internal comment was saved. The applicant does not see it." in _flashes(client)
    assert len(mails()) == before  # nobody is mailed
    with app.app_context():
        comment = db.session.scalar(select(ReviewComment))
        assert comment.body == body and comment.to_applicant is False and comment.author_id == reviewer
        assert db.session.scalar(select(AuditEntry.changes).where(AuditEntry.action == "application.comment_added")) \
            == {"comment": comment.id, "to_applicant": False}

    html = client.get(f"/staff/review/{application_id}").get_data(as_text=True)
    assert structure_problems(html) == []
    assert body in html and "staff only" in html and "審査 一郎" in html

    applicant = _applicant_client(app, application_id)
    for path in (f"/applications/{application_id}", f"/applications/{application_id}/revisions/1",
                 f"/applications/{application_id}/steps/checklist"):
        response = applicant.get(path)
        assert response.status_code == 200 and body not in response.get_data(as_text=True), path
    assert body not in _messages_partial(app, application_id)
    assert applicant.get(f"/staff/review/{application_id}").status_code == 403


def test_a_message_to_the_applicant_is_mailed_to_each_member_and_shown(app, make_cohort, make_submitted, make_user,
                                                                       reviewer, staff_client, mails):
    from portal.organisations.models import Membership

    application_id = make_submitted(make_cohort())
    colleague = make_user(email="colleague@example.jp", name="同僚 三郎", locale="en")
    with app.app_context():
        organisation_id = db.session.get(Application, application_id).organisation_id
        db.session.add(Membership(organisation_id=organisation_id, user_id=colleague))
        db.session.commit()
    client = _english(staff_client(reviewer))
    before = len(mails())
    internal = "内部メモ：これは見せない。"
    _post(client, f"/staff/review/{application_id}/comments", {"comment": internal, "audience": "internal"})
    body = "登記事項証明書の写しを追加で提出してください。"
    response = _post(client, f"/staff/review/{application_id}/comments", {"comment": body, "audience": "applicant"})
    assert response.status_code == 302
    assert any("sent to the applicant by e-mail" in m for m in _flashes(client))

    sent = mails()[before:]
    owner_email = _owner(app, application_id)[1]
    assert sorted(m.recipient for m in sent) == sorted([owner_email, "colleague@example.jp"])
    for mail in sent:
        assert body in mail.body and internal not in mail.body
        assert f"http://portal.test/applications/{application_id}" in mail.body
    english = next(m for m in sent if m.recipient == "colleague@example.jp")
    assert english.subject == "[Kumamoto Prefecture SDGs Registration System] A message about your application"  # in the member's own language

    html = client.get(f"/staff/review/{application_id}").get_data(as_text=True)
    assert "sent to the applicant" in html and body in html

    partial = _messages_partial(app, application_id)
    assert body in partial and internal not in partial and "Messages from the secretariat" in partial


def test_the_applicants_status_page_shows_messages_but_not_internal_comments(app, make_cohort, make_submitted,
                                                                             reviewer, staff_client):
    require_or_skip(_status_shows_messages(),
                    'templates/applications/status.html does not include "review/_applicant_messages.html" yet')
    application_id = make_submitted(make_cohort())
    client = staff_client(reviewer)
    internal, body = "内部メモ：これは見せない。", "原本を郵送してください。"
    _post(client, f"/staff/review/{application_id}/comments", {"comment": internal, "audience": "internal"})
    _post(client, f"/staff/review/{application_id}/comments", {"comment": body, "audience": "applicant"})
    page = _applicant_client(app, application_id).get(f"/applications/{application_id}").get_data(as_text=True)
    assert body in page and "Messages from the secretariat" in page
    assert internal not in page and structure_problems(page) == []


def test_an_empty_comment_is_refused_with_the_page_shown_again(app, make_cohort, make_submitted, reviewer,
                                                              staff_client, mails):
    application_id = make_submitted(make_cohort())
    client = _english(staff_client(reviewer))
    before = len(mails())
    response = _post(client, f"/staff/review/{application_id}/comments", {"comment": "  ", "audience": "applicant"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and structure_problems(html) == []
    assert "Write the comment first." in html
    assert re.search(r'<input[^>]*checked[^>]*value="applicant"|<input[^>]*value="applicant"[^>]*checked', html)
    assert len(mails()) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 0
