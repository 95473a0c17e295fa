"""Bad input on the application steps: each refusal says clearly what is wrong, keeps what was
typed, stores nothing and never answers 500."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select
from support import csrf_token, login

from portal.applications import operations
from portal.applications.messages import ERRORS
from portal.applications.models import Application, ApplicationRevision, Attachment
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import today_jst

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SCRIPT = "<script>alert(1)</script>"
STEPS = ("profile", "vision", "actions", "checklist", "declarations", "partners", "attachments", "confirm")


# --- helpers ---------------------------------------------------------------------------------

def ja(app, text) -> str:
    """A (lazy) message as a Japanese page shows it, whatever the catalogue says today."""
    with app.test_request_context(), force_locale("ja"):
        return str(text)


def shown(app, text) -> str:
    """The message as it appears in the HTML: Japanese and escaped."""
    return str(escape(ja(app, text)))


def error(app, code: str) -> str:
    return shown(app, ERRORS[code])


def missing_ja(app, application_id):
    with app.test_request_context(), force_locale("ja"):
        return operations.missing(db.session.get(Application, application_id))


def stored(app, application_id) -> Application:
    with app.app_context():
        application = db.session.get(Application, application_id)
        db.session.expunge(application)
        return application


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_count(app) -> int:
    return count(app, AuditEntry)


def revision_rows(app, application_id) -> int:
    return count(app, ApplicationRevision, ApplicationRevision.application_id == application_id)


def step_path(application_id, step) -> str:
    return f"/applications/{application_id}/steps/{step}"


def post_step(client, application_id, step, data, go="stay", token=None):
    path = step_path(application_id, step)
    return client.post(path, data={**data, "go": go, "csrf_token": token or csrf_token(client, path)})


def submit(client, application_id):
    token = csrf_token(client, step_path(application_id, "confirm"))
    return client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})


def upload(client, application_id, data: bytes, name="report.pdf", content_type="application/pdf"):
    token = csrf_token(client, step_path(application_id, "attachments"))
    return client.post(f"/applications/{application_id}/attachments",
                       data={"csrf_token": token, "file": (io.BytesIO(data), name, content_type)},
                       content_type="multipart/form-data")


def stored_files(app) -> int:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "attachments"
    return len(list(folder.iterdir())) if folder.exists() else 0


def action_rows(rows) -> dict:
    data = {}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"actions-{index}-{key}"] = value
    return data


def assert_refused_submission(app, client, application_id, code, state="draft", revisions=0):
    """The submission was refused with `code`'s message; nothing was frozen."""
    response = submit(client, application_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(step_path(application_id, "confirm"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert error(app, code) in page
    application = stored(app, application_id)
    assert application.state == state and application.revision_count == revisions
    assert revision_rows(app, application_id) == revisions
    return page


def make_staff(app) -> int:
    from portal.accounts.models import User

    with app.app_context():
        staff = User(email="staff@example.jp", name="職員", role="reviewer")
        db.session.add(staff)
        db.session.commit()
        return staff.id


def return_application(app, application_id, deadline=None, notes=None):
    from portal.accounts.models import User

    staff_id = make_staff(app)
    with app.test_request_context():
        operations.return_for_correction(db.session.get(Application, application_id), "直してください。",
                                         notes or {}, deadline, db.session.get(User, staff_id))
        db.session.commit()


# --- missing sections at submit ----------------------------------------------------------------

def test_an_incomplete_submission_names_every_missing_section_and_links_to_its_field(app, client, applicant,
                                                                                   make_cohort, make_application):
    from portal.organisations.models import Organisation

    with app.app_context():
        db.session.get(Organisation, applicant[1]).contact_phone = ""
        db.session.commit()
    application_id = make_application(applicant[0], make_cohort())
    audits = audit_count(app)

    page = assert_refused_submission(app, client, application_id, "incomplete")

    missing = missing_ja(app, application_id)
    assert {m.step for m in missing} == {"profile", "vision", "actions", "checklist", "declarations"}
    assert ("profile", "contact_phone") in {(m.step, m.anchor) for m in missing}
    for m in missing:
        assert f'href="{step_path(application_id, m.step)}#{m.anchor}"' in page, m
        assert str(escape(m.message)) in page, m
    # Each link lands on a field that exists on its step's page.
    pages = {step: client.get(step_path(application_id, step)).get_data(as_text=True)
             for step in {m.step for m in missing}}
    for m in missing:
        assert f'id="{m.anchor}"' in pages[m.step], m
    assert audit_count(app) == audits
    assert stored(app, application_id).content == {}


def test_four_challenge_items_are_not_enough(app, client, applicant, make_cohort, make_application,
                                            complete_content):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    checklist = {f"basic_B{n:02d}": "y" for n in range(1, 26)}
    checklist.update({f"challenge_C{n:02d}": "y" for n in (1, 6, 11, 16)})
    assert post_step(client, application_id, "checklist", checklist).status_code == 302  # a draft may be short
    assert stored(app, application_id).content["checklist"]["challenge"] == ["C01", "C06", "C11", "C16"]

    page = assert_refused_submission(app, client, application_id, "incomplete")
    [challenge] = [m for m in missing_ja(app, application_id) if m.step == "checklist"]
    assert challenge.anchor == "challenge" and "5" in challenge.message and "4" in challenge.message
    assert f'href="{step_path(application_id, "checklist")}#challenge"' in page
    assert str(escape(challenge.message)) in page


def test_no_environment_action_is_named(app, client, applicant, make_cohort, make_application, complete_content):
    from portal.applications.content import AREAS

    application_id = make_application(applicant[0], make_cohort(), complete_content())
    rows = [{"area": "economy", "description": "地元雇用", "goals": "8", "indicator": "雇用数", "unit": "人",
             "current_value": "3", "target_value": "10"},
            {"area": "society", "description": "女性管理職", "goals": "5", "indicator": "",
             "unit": "%", "current_value": "10", "target_value": "30"}]
    assert post_step(client, application_id, "actions", action_rows(rows)).status_code == 302
    assert [a["area"] for a in stored(app, application_id).content["actions"]] == ["economy", "society"]

    page = assert_refused_submission(app, client, application_id, "incomplete")
    missing = [m for m in missing_ja(app, application_id) if m.step == "actions"]
    assert [(m.anchor) for m in missing] == ["actions", "actions-1-indicator"]
    assert ja(app, AREAS["environment"]) in missing[0].message
    assert ja(app, AREAS["economy"]) not in missing[0].message
    for m in missing:
        assert f'href="{step_path(application_id, "actions")}#{m.anchor}"' in page
        assert str(escape(m.message)) in page
    actions_page = client.get(step_path(application_id, "actions")).get_data(as_text=True)
    assert 'id="actions"' in actions_page and 'id="actions-1-indicator"' in actions_page


@pytest.mark.parametrize("bad", ["abc", "１０ｔ"])
def test_a_target_value_that_is_not_a_number_keeps_the_row_and_saves_nothing(app, client, applicant, make_cohort,
                                                                            make_application, complete_content, bad):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    before = stored(app, application_id).content
    audits = audit_count(app)
    rows = [{"area": "economy", "description": "販路を県外へ広げる", "goals": "8", "indicator": "県外売上比率",
             "unit": "%", "current_value": "12", "target_value": "40"},
            {"area": "society", "description": "育児休業の取得を進める", "goals": "5", "indicator": "男性育休取得率",
             "unit": "パーセント", "current_value": "7", "target_value": bad},
            {"area": "environment", "description": "社用車を電気自動車にする", "goals": "13", "indicator": "EV台数",
             "unit": "台", "current_value": "1", "target_value": "20"}]
    response = post_step(client, application_id, "actions", action_rows(rows))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="actions-1-target_value-error"' in page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="actions-1-target_value"|'
                     r'<input[^>]*id="actions-1-target_value"[^>]*aria-invalid="true"', page)
    assert f'value="{bad}"' in page  # what was typed stays in the field
    for row in rows:
        for key in ("description", "indicator", "unit", "current_value"):
            assert str(escape(row[key])) in page, (key, row[key])
    assert re.search(r'<option selected value="society">|<option value="society" selected>', page)
    assert stored(app, application_id).content == before
    assert audit_count(app) == audits


def _bad_target(client, application_id, bad="abc"):
    rows = [{"area": "economy", "description": "販路", "goals": "8", "indicator": "県外売上比率", "unit": "%",
             "current_value": "12", "target_value": "40"},
            {"area": "society", "description": "育休", "goals": "5", "indicator": "取得率", "unit": "%",
             "current_value": "7", "target_value": bad}]
    response = post_step(client, application_id, "actions", action_rows(rows))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_error_summary_links_to_the_key_action_field(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    page = _bad_target(client, application_id)
    summary = page[page.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert 'href="#actions-1-target_value"' in summary
    assert "{" not in summary and "[" not in summary


def test_a_non_number_gets_one_message(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    page = _bad_target(client, application_id)
    error_text = re.search(r'id="actions-1-target_value-error">([^<]*)<', page).group(1)
    assert "1E+12" not in error_text


def test_full_width_numbers_are_accepted(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    rows = [{"area": "economy", "description": "販路", "goals": "8", "indicator": "県外売上比率", "unit": "%",
             "current_value": "１２０．５", "target_value": "６０"}]
    assert post_step(client, application_id, "actions", action_rows(rows)).status_code == 302
    action = stored(app, application_id).content["actions"][0]
    assert (action["current_value"], action["target_value"]) == ("120.5", "60")


def test_a_refused_number_stays_visible_in_its_field(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    page = _bad_target(client, application_id, "１０ｔ")
    field = re.search(r'<input[^>]*id="actions-1-target_value"[^>]*>', page).group(0)
    assert 'value="１０ｔ"' in field and 'type="number"' not in field


# --- attachments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data, code", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 512, "file_type"),
    (b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "file_size"),
    (b"", "file_empty"),
], ids=["exe-renamed-pdf", "11MB", "empty"])
def test_a_refused_file_is_not_stored(app, client, applicant, make_cohort, make_application, data, code):
    application_id = make_application(applicant[0], make_cohort())
    files_before, audits = stored_files(app), audit_count(app)

    response = upload(client, application_id, data, name="会社案内.pdf")

    assert response.status_code == 400
    assert error(app, code) in response.get_data(as_text=True)
    assert count(app, Attachment) == 0
    assert stored_files(app) == files_before and audit_count(app) == audits


def test_a_sixth_file_is_refused_and_the_five_are_kept(app, client, applicant, make_cohort, make_application):
    application_id = make_application(applicant[0], make_cohort())
    for n in range(5):
        assert upload(client, application_id, PDF + str(n).encode(), name=f"資料{n + 1}.pdf").status_code == 302
    files_before = stored_files(app)

    response = upload(client, application_id, PDF + b"6", name="資料6.pdf")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error(app, "too_many_files") in page
    assert all(f"資料{n}.pdf" in page for n in range(1, 6)) and "資料6.pdf" not in page
    assert count(app, Attachment) == 5 and stored_files(app) == files_before


# --- markup typed into the answers ------------------------------------------------------------

def test_markup_is_stored_as_typed_and_shown_escaped(app, client, applicant, make_cohort, make_application,
                                                    complete_content):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert post_step(client, application_id, "vision", {"vision": SCRIPT}).status_code == 302
    rows = [{"area": area, "description": f"{SCRIPT} {area}", "goals": goal, "indicator": "指標", "unit": "t",
             "current_value": "1", "target_value": "2"}
            for area, goal in (("economy", "8"), ("society", "5"), ("environment", "13"))]
    assert post_step(client, application_id, "actions", action_rows(rows)).status_code == 302
    content = stored(app, application_id).content
    assert content["vision"] == SCRIPT and content["actions"][0]["description"] == f"{SCRIPT} economy"

    escaped = str(escape(SCRIPT))
    for path in (step_path(application_id, "vision"), step_path(application_id, "actions"),
                 step_path(application_id, "confirm")):
        page = client.get(path).get_data(as_text=True)
        assert escaped in page and SCRIPT not in page, path
    assert submit(client, application_id).status_code == 302
    assert stored(app, application_id).state == "submitted"
    page = client.get(f"/applications/{application_id}/revisions/1").get_data(as_text=True)
    assert page.count(escaped) == 4 and SCRIPT not in page  # the vision and three key actions


# --- the submission window and the account ------------------------------------------------------

def test_a_draft_cannot_be_submitted_after_the_cohort_closed(app, client, applicant, make_cohort, make_application,
                                                           complete_content):
    from portal.cohorts.models import Cohort, CohortState
    from portal.cohorts.operations import move_cohort

    cohort_id = make_cohort()
    application_id = make_application(applicant[0], cohort_id, complete_content())
    with app.app_context():
        move_cohort(db.session.get(Cohort, cohort_id), CohortState.CLOSED)
        db.session.commit()

    assert_refused_submission(app, client, application_id, "outside_window")


def test_a_draft_cannot_be_submitted_before_the_cohort_opens(app, client, applicant, make_cohort, make_application,
                                                           complete_content):
    cohort_id = make_cohort(state="planned", opens_in_days=5, closes_in_days=30)
    application_id = make_application(applicant[0], cohort_id, complete_content())

    assert_refused_submission(app, client, application_id, "outside_window")


def test_an_unverified_account_cannot_submit(app, make_user, make_organisation, make_cohort, make_application,
                                            complete_content):
    user_id = make_user(email="new@example.jp", verified=False)
    make_organisation(user_id)
    client = app.test_client()
    login(client, user_id)
    application_id = make_application(user_id, make_cohort(), complete_content())

    confirm = client.get(step_path(application_id, "confirm")).get_data(as_text=True)
    assert error(app, "unverified") in confirm  # said before trying, too
    assert_refused_submission(app, client, application_id, "unverified")


# --- applications of other organisations ------------------------------------------------------

def test_another_organisations_application_is_not_found_at_any_address(app, client, applicant, make_user,
                                                                       make_organisation, make_cohort,
                                                                       make_application, complete_content):
    cohort_id = make_cohort()
    application_id = make_application(applicant[0], cohort_id, complete_content())
    assert upload(client, application_id, PDF, name="案内.pdf").status_code == 302
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    assert submit(client, application_id).status_code == 302
    return_application(app, application_id)  # editable, submittable, withdrawable, with revision 1
    other_id = make_user(email="other@example.jp")
    other_organisation = make_organisation(other_id, kind="group", corporate_number=None, name="別の団体")
    other = app.test_client()
    login(other, other_id)
    own = make_application(other_id, cohort_id)
    token = csrf_token(other, step_path(own, "vision"))
    before = stored(app, application_id)
    audits = audit_count(app)

    base = f"/applications/{application_id}"
    gets = [base, *(step_path(application_id, s) for s in STEPS), f"{base}/withdraw",
            f"{base}/attachments/{attachment_id}", f"{base}/revisions/1", f"{base}/revisions/1/copy.pdf"]
    posts = [*(step_path(application_id, s) for s in STEPS), f"{base}/attachments",
             f"{base}/attachments/{attachment_id}/remove", f"{base}/submit", f"{base}/withdraw"]
    for path in gets[:-1]:  # the owner sees them all (the PDF is tested elsewhere)
        assert client.get(path).status_code == 200, path
    for path in gets:
        assert other.get(path).status_code == 404, path
    for path in posts:
        data = {"csrf_token": token, "vision": "乗っ取り", "confirm": "y", "go": "next", **ORGANISATION_FORM,
                "file": (io.BytesIO(PDF), "x.pdf", "application/pdf")}
        assert other.post(path, data=data, content_type="multipart/form-data").status_code == 404, path

    after = stored(app, application_id)
    assert (after.state, after.content, after.revision_count) == (before.state, before.content, before.revision_count)
    assert count(app, Attachment, Attachment.removed_at.is_(None)) == 1
    assert audit_count(app) == audits
    from portal.organisations.models import Organisation

    with app.app_context():
        assert db.session.get(Organisation, applicant[1]).name == "株式会社テスト熊本"
        assert db.session.get(Organisation, other_organisation).name == "別の団体"


ORGANISATION_FORM = {"kind": "group", "name": "乗っ取り", "name_kana": "ノットリ", "representative_title": "代表",
                     "representative_name": "乗取 太郎", "postal_code": "8600806",
                     "address": "熊本県熊本市中央区花畑町1-1", "industry": "E", "contact_name": "乗取",
                     "contact_phone": "096-000-0000", "contact_email": "x@example.jp"}


# --- a submitted application is read-only -----------------------------------------------------

def test_a_submitted_application_cannot_be_edited(app, client, applicant, make_cohort, make_application,
                                                 complete_content):
    from portal.organisations.models import Organisation

    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert submit(client, application_id).status_code == 302
    before = stored(app, application_id)
    audits = audit_count(app)
    token = csrf_token(client, step_path(application_id, "vision"))

    data = {**ORGANISATION_FORM, "vision": "書き換え", "csrf_token": token, "go": "next",
            **action_rows([{"area": "economy", "description": "書き換え", "goals": "8", "indicator": "x",
                            "target_value": "1"}]),
            "basic_B01": "y", "no_unpaid_taxes": "y", "consent": "y"}
    for step in STEPS:
        assert client.post(step_path(application_id, step), data=data).status_code == 409, step
    response = client.post(f"/applications/{application_id}/attachments", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(PDF), "x.pdf", "application/pdf")})
    assert response.status_code in (404, 409)

    after = stored(app, application_id)
    assert (after.state, after.content, after.version) == (before.state, before.content, before.version)
    with app.app_context():
        assert db.session.get(Organisation, applicant[1]).name == "株式会社テスト熊本"
    assert count(app, Attachment) == 0 and audit_count(app) == audits


# --- corrections and their deadline -------------------------------------------------------------

def test_a_correction_deadline_cannot_be_in_the_past(app, client, applicant, make_cohort, make_application,
                                                    complete_content):
    from portal.accounts.models import User

    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert submit(client, application_id).status_code == 302
    staff_id = make_staff(app)
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(operations.ApplicationError) as refused:
            operations.return_for_correction(application, "直してください。", {}, today_jst() - timedelta(days=1),
                                             db.session.get(User, staff_id))
        assert refused.value.code == "deadline_past" and "deadline_past" in ERRORS
        db.session.rollback()
    assert stored(app, application_id).state == "submitted"
    assert stored(app, application_id).correction_deadline is None


def test_resubmitting_after_the_correction_deadline_is_refused(app, client, applicant, make_cohort,
                                                              make_application, complete_content):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert submit(client, application_id).status_code == 302
    return_application(app, application_id, deadline=today_jst())
    with app.app_context():  # the deadline passes
        db.session.get(Application, application_id).correction_deadline = today_jst() - timedelta(days=1)
        db.session.commit()
    assert post_step(client, application_id, "vision", {"vision": "直しました。"}).status_code == 302

    assert_refused_submission(app, client, application_id, "past_deadline", state="returned", revisions=1)


def test_resubmitting_on_the_deadline_day_is_accepted(app, client, applicant, make_cohort, make_application,
                                                     complete_content):
    application_id = make_application(applicant[0], make_cohort(), complete_content())
    assert submit(client, application_id).status_code == 302
    return_application(app, application_id, deadline=today_jst())
    assert stored(app, application_id).correction_deadline == today_jst()

    assert submit(client, application_id).status_code == 302
    assert stored(app, application_id).state == "submitted" and revision_rows(app, application_id) == 2
