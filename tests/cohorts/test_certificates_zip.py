"""The secretariat's zip of every certificate of a decided cohort: streamed, one PDF per
registration named by its number, taken from the certificate cache when it is there."""
import io
import re
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from pages import structure_problems
from portal.accounts.models import User
from portal.applications import operations as applications
from portal.cohorts import operations, views
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations import documents
from support import login, minimal_content

BASE = "/staff/cohorts"


@pytest.fixture
def cohort(app, make_user, make_organisation):
    """cohort(number=3, registrations=2, decided=True) -> cohort id; its applications all
    recommended for approval and, when decided, registered by the real decision."""

    content = minimal_content(6)
    reviewer_id = make_user("reviewer")

    def build(number: int = 3, registrations: int = 2, decided: bool = True, rejected: int = 0) -> int:
        now = datetime.now(timezone.utc)
        owners = [make_user() for _ in range(registrations + rejected)]
        for index, owner in enumerate(owners):
            make_organisation(owner, corporate_number=None, kind="group", name=f"くまもと会{index}")
        with app.test_request_context():
            cohort = operations.plan_cohort(number, now - timedelta(days=60), now + timedelta(days=10))
            operations.move_cohort(cohort, CohortState.OPEN)
            reviewer = db.session.get(User, reviewer_id)
            for index, owner_id in enumerate(owners):
                owner = db.session.get(User, owner_id)
                application = applications.start_application(owner.organisation, cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner)
                applications.start_review(application, reviewer)
                approve = index < registrations
                applications.recommend(application, approve, reviewer, "" if approve else "理由")
                if not approve:
                    applications.give_rejection_reason(application, "criteria", "", reviewer)
            if decided:
                operations.move_cohort(cohort, CohortState.CLOSED)
                secretariat = User(email=f"secretariat-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
                db.session.add(secretariat)
                operations.decide_cohort(db.session.get(Cohort, cohort.id), today_jst(), secretariat)
            db.session.commit()
            return cohort.id

    return build


@pytest.fixture
def secretariat(client, make_user):
    login(client, make_user("secretariat"))
    assert client.get("/?lang=en").status_code == 200
    return client


@pytest.fixture
def certificate_folder(app, tmp_path, monkeypatch):
    """A certificate cache of this test's own."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path / "certificates"


@pytest.fixture
def renders(monkeypatch):
    """Count the WeasyPrint renderings of the certificate."""
    calls = []
    original = documents.render_pdf

    def counting(template, **data):
        calls.append(template)
        return original(template, **data)

    monkeypatch.setattr(documents, "render_pdf", counting)
    return calls


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_zip_holds_every_certificate_and_is_rendered_once(secretariat, cohort, certificate_folder, renders):
    cohort_id = cohort(3, registrations=3)
    path = f"{BASE}/{cohort_id}/certificates.zip"
    response = secretariat.get(path, buffered=False)  # streamed, as a server sends it
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"] and ".zip" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    # The view returned before any certificate was rendered: they are made while the body is read.
    assert renders == []
    archive = _zip(response)
    assert archive.testzip() is None
    assert archive.namelist() == ["KS03-0001.pdf", "KS03-0002.pdf", "KS03-0003.pdf"]
    pdfs = [archive.read(name) for name in archive.namelist()]
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs)
    assert len(renders) == 3
    assert len(list(certificate_folder.glob("KS03-*.pdf"))) == 3

    again = _zip(secretariat.get(path))
    assert len(renders) == 3  # all from the cache
    assert [again.read(name) for name in again.namelist()] == pdfs


def test_the_zip_uses_certificates_already_cached(app, secretariat, cohort, certificate_folder, renders):
    cohort_id = cohort(3, registrations=2)
    with app.test_request_context():
        from portal.registrations.models import Registration

        first = db.session.scalar(db.select(Registration).where(Registration.number == "KS03-0001"))
        single, _digest = documents.certificate(first, today_jst())
    assert len(renders) == 1
    archive = _zip(secretariat.get(f"{BASE}/{cohort_id}/certificates.zip"))
    assert archive.read("KS03-0001.pdf") == single
    assert len(renders) == 2


def test_an_abandoned_download_renders_no_more(secretariat, cohort, certificate_folder, renders):
    cohort_id = cohort(3, registrations=3)
    response = secretariat.get(f"{BASE}/{cohort_id}/certificates.zip", buffered=False)
    chunks = iter(response.response)
    while not next(chunks):  # up to the first certificate
        pass
    response.close()
    assert len(renders) == 1


def test_the_cohort_page_links_the_zip_with_an_estimate(secretariat, cohort, monkeypatch):
    cohort_id = cohort(3, registrations=2)
    page = secretariat.get(f"{BASE}/{cohort_id}").get_data(as_text=True)
    assert not structure_problems(page)
    assert f'href="{BASE}/{cohort_id}/certificates.zip"' in page
    assert re.search(r'id="certificates-count">\s*2 certificates<', page)
    assert 'id="certificates-estimate"' not in page  # a small cohort: no estimate needed
    monkeypatch.setattr(views, "LARGE_ZIP", 2)
    page = secretariat.get(f"{BASE}/{cohort_id}").get_data(as_text=True)
    estimate = re.search(r'id="certificates-estimate">([^<]*)<', page).group(1)
    assert "About 1 MB" in estimate and "about 1 seconds" in estimate and "immediate" in estimate


def test_an_undecided_or_empty_cohort_has_no_zip(secretariat, cohort):
    open_id = cohort(3, registrations=1, decided=False)
    assert secretariat.get(f"{BASE}/{open_id}/certificates.zip").status_code == 404
    assert "certificates.zip" not in secretariat.get(f"{BASE}/{open_id}").get_data(as_text=True)
    empty_id = cohort(4, registrations=0, rejected=1)
    assert secretariat.get(f"{BASE}/{empty_id}/certificates.zip").status_code == 404
    assert "certificates.zip" not in secretariat.get(f"{BASE}/{empty_id}").get_data(as_text=True)
    assert secretariat.get(f"{BASE}/999/certificates.zip").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_the_secretariat_may_download_the_zip(client, make_user, cohort, certificate_folder, renders, role):
    cohort_id = cohort(3, registrations=1)
    login(client, make_user(role))
    assert client.get(f"{BASE}/{cohort_id}/certificates.zip").status_code == 403
    assert renders == []


def test_the_zip_reads_the_database_the_same_number_of_times_for_any_cohort_size(app, secretariat, cohort,
                                                                                  certificate_folder):
    """The versions in force are read in one query for the whole cohort, not one per registration."""
    from support import counted, warm_user

    small, large = cohort(3, registrations=1), cohort(4, registrations=4)
    queries = []
    for cohort_id in (small, large):
        warm_user(secretariat)
        with counted(app) as statements:
            response = secretariat.get(f"{BASE}/{cohort_id}/certificates.zip")
            assert response.status_code == 200 and len(_zip(response).namelist()) in (1, 4)
        queries.append(len(statements))
    assert queries[0] == queries[1], queries
