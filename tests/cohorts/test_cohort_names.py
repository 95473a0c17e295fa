"""Cohort display names (「令和4年度第2期」): set when planning or later on the cohort's name page,
shown as stored on pages, mails and documents (English pages too); blank means 「第N期」 again;
registration numbers keep KSnn-nnnn."""
import re
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pages import structure_problems
from support import csrf_token, login, minimal_content, require_or_skip

from portal.accounts.models import User
from portal.applications import operations as applications
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.core.i18n import JST, today_jst
from portal.registrations.models import Registration

BASE = "/staff/cohorts"
NAME = "令和4年度第2期"




@pytest.fixture
def registered(app, make_user, make_organisation):
    """A cohort (number 8) decided yesterday with one registration made the real way:
    -> {"cohort": id, "registration": id, "owner": user id, "application": id, "email": str}."""
    owner_id = make_user()
    make_organisation(owner_id, corporate_number=None, kind="group", name="くまもと水と森の会")
    reviewer_id = make_user("reviewer")
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        cohort = operations.plan_cohort(8, now - timedelta(days=60), now - timedelta(days=40))
        operations.move_cohort(cohort, CohortState.OPEN)
        owner, reviewer = db.session.get(User, owner_id), db.session.get(User, reviewer_id)
        application = applications.start_application(owner.organisation, cohort, owner)
        for key, value in minimal_content(6).items():
            applications.save_section(application, key, value, owner)
        applications.submit_application(application, owner, now=now - timedelta(days=50))
        applications.start_review(application, reviewer)
        applications.recommend(application, True, reviewer, "")
        operations.move_cohort(cohort, CohortState.CLOSED)
        secretariat = User(email=f"secretariat-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
        db.session.add(secretariat)
        db.session.commit()
        ids = {"cohort": cohort.id, "owner": owner_id, "application": application.id, "email": owner.email,
               "secretariat": secretariat.id}
    return ids


def _decide(app, ids) -> int:
    with app.test_request_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        operations.decide_cohort(cohort, today_jst() - timedelta(days=1), db.session.get(User, ids["secretariat"]))
        db.session.commit()
        return db.session.scalar(select(Registration.id).where(Registration.cohort_id == ids["cohort"]))


def _rename(client, cohort_id: int, name: str):
    path = f"{BASE}/{cohort_id}/name"
    return client.post(path, data={"display_name": name, "csrf_token": csrf_token(client, path)})


def _stored(app, cohort_id: int):
    with app.app_context():
        return db.session.get(Cohort, cohort_id).display_name


def test_the_title_falls_back_to_the_number(app):
    with app.test_request_context("/?lang=en"):
        assert Cohort(number=3).title == "Cohort 3"
        assert Cohort(number=3, display_name=NAME).title == NAME
        assert Cohort(number=3, display_name="").title == "Cohort 3"


def test_the_secretariat_names_a_cohort_when_planning_it(app, secretariat):
    page = secretariat.get(f"{BASE}/new").get_data(as_text=True)
    assert 'id="cohort-display-name"' in page and not structure_problems(page)
    today = datetime.now(JST).date()
    response = secretariat.post(f"{BASE}/new", data={
        "number": "9", "display_name": f"  {NAME}　", "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=30)).isoformat(), "checklist_version": "1",
        "csrf_token": csrf_token(secretariat, f"{BASE}/new")})
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.number == 9))
        assert cohort.display_name == NAME  # trimmed, full-width space too
    listing = secretariat.get(f"{BASE}/").get_data(as_text=True)
    row = re.search(r'<tr id="cohort-9".*?</tr>', listing, re.DOTALL).group(0)
    assert NAME in row and "Cohort 9" not in row


def test_too_long_a_name_is_refused_at_the_field_when_planning(app, secretariat):
    today = datetime.now(JST).date()
    response = secretariat.post(f"{BASE}/new", data={
        "number": "9", "display_name": "名" * 41, "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=30)).isoformat(), "checklist_version": "1",
        "csrf_token": csrf_token(secretariat, f"{BASE}/new")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="cohort-display-name-error"' in page and "at most 40 characters" in page
    with app.app_context():
        assert db.session.scalar(select(Cohort).where(Cohort.number == 9)) is None


def test_renaming_shows_the_name_on_pages_mails_and_the_certificate(app, secretariat, client, registered, mails):
    response = _rename(secretariat, registered["cohort"], NAME)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{BASE}/{registered['cohort']}")
    assert _stored(app, registered["cohort"]) == NAME
    with app.app_context():
        [event] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cohort.renamed")).all()
        assert event.changes["display_name"] == [None, NAME]
    # The name page shows it as stored, marked Japanese on the English page.
    page = secretariat.get(f"{BASE}/{registered['cohort']}/name").get_data(as_text=True)
    assert f'<strong lang="ja">{NAME}</strong>' in page and not structure_problems(page)

    # The decision mail names the cohort by its name; the number keeps its scheme.
    registration_id = _decide(app, registered)
    [mail] = [m for m in mails(registered["email"]) if "KS08-0001" in m.body]
    assert NAME in mail.body and "第8期" not in mail.body

    # The applicant's status page (English), the registration page and the public verification page.
    login(client, registered["owner"])
    status = client.get(f"/applications/{registered['application']}?lang=en").get_data(as_text=True)
    assert f"Application for {NAME}" in status
    show = client.get(f"/registrations/{registration_id}?lang=en").get_data(as_text=True)
    assert f'<span lang="ja">{NAME}</span>' in show and "Cohort 8" not in show
    assert NAME in client.get("/verify/KS08-0001?lang=ja").get_data(as_text=True)
    public = client.get("/registrants/KS08-0001?lang=en").get_data(as_text=True)
    assert f'<span lang="ja">{NAME}</span>' in public

    # The certificate prints it.
    require_or_skip(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    pdf = client.get(f"/registrations/{registration_id}/certificate.pdf")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert NAME in text.replace(" ", "") and "第8期" not in text

    # The directory's cohort filter offers it by its name, and so does the copy of the application.
    directory = client.get("/registrants?lang=en").get_data(as_text=True)
    assert f'<option value="8" lang="ja">{NAME}</option>' in directory and ">Cohort 8<" not in directory
    copy = client.get(f"/applications/{registered['application']}/revisions/1/copy.pdf")
    assert copy.status_code == 200
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=copy.data, capture_output=True,
                          check=True).stdout.decode()
    assert NAME in text.replace(" ", "") and "第8期" not in text


def test_a_blank_name_is_the_number_again_and_too_long_is_refused(app, secretariat, registered):
    _rename(secretariat, registered["cohort"], NAME)
    response = _rename(secretariat, registered["cohort"], "あ" * 41)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="cohort-display-name-error"' in page and 'aria-invalid="true"' in page
    assert "at most 40 characters" in page and not structure_problems(page)
    assert _stored(app, registered["cohort"]) == NAME  # nothing stored

    assert _rename(secretariat, registered["cohort"], "   ").status_code == 302
    assert _stored(app, registered["cohort"]) is None
    listing = secretariat.get(f"{BASE}/").get_data(as_text=True)
    assert re.search(rf'<tr id="cohort-8".*?>Cohort 8</a>', listing, re.DOTALL)
    with app.app_context():
        events = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cohort.renamed")
                                    .order_by(AuditEntry.id)).all()
        assert [e.changes["display_name"] for e in events] == [[None, NAME], [NAME, None]]


def test_only_the_secretariat_renames(app, client, make_user, registered):
    login(client, make_user("reviewer"))
    path = f"{BASE}/{registered['cohort']}/name"
    assert client.post(path, data={"display_name": NAME}).status_code in (400, 403)
    assert _stored(app, registered["cohort"]) is None
