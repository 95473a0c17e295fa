"""The ceremony print: every certificate of a decided cohort in one PDF, one per page, queued by
the secretariat's button and made by `flask registrations run-jobs` (or `ceremony-print`), with
its progress shown and downloaded by the secretariat once it is ready; and the registration mark
for registrants under an active registration."""
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from portal.certificates.models import CeremonyPrint, PrintState
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.models import Registration
from support import login, require_or_skip

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _tools(*names):
    for name in names:
        require_or_skip(shutil.which(name) is not None, f"{name} (poppler-utils) is not installed")


def _pages(pdf_path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


@pytest.fixture
def cohort(app, make_user, make_organisation):
    """Cohort 5, decided, with three registrations (KS05-0001…0003)."""
    owners = [make_user() for _ in range(3)]
    organisations = [make_organisation(owner, corporate_number=None, kind="group", name=f"見本の会{index}")
                     for index, owner in enumerate(owners, start=1)]
    now = datetime.now(timezone.utc)
    with app.app_context():
        cohort = Cohort(number=5, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60),
                        state=CohortState.DECIDED, decided_on=today_jst() - timedelta(days=30))
        db.session.add(cohort)
        db.session.flush()
        for sequence, organisation in enumerate(organisations, start=1):
            db.session.add(Registration(number=f"KS05-{sequence:04d}", cohort_id=cohort.id, sequence=sequence,
                                        organisation_id=organisation, registered_on=today_jst() - timedelta(days=30),
                                        valid_until=today_jst() + timedelta(days=1000)))
        db.session.commit()
        return {"id": cohort.id, "owners": owners}


def _queue(client, secretariat, cohort_id, **extra):
    login(client, secretariat)
    page = client.get(f"/staff/cohorts/{cohort_id}")
    assert page.status_code == 200 and 'id="ceremony-print"' in page.get_data(as_text=True)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    return client.post(f"/staff/certificates/cohorts/{cohort_id}/ceremony-print", data={"csrf_token": token, **extra})


def _job(app) -> CeremonyPrint:
    with app.app_context():
        job = db.session.scalars(db.select(CeremonyPrint).order_by(CeremonyPrint.id.desc())).first()
        db.session.expunge(job)
        return job


def test_the_button_queues_the_print_the_job_makes_it_and_the_secretariat_downloads_it(app, client, runner, cohort,
                                                                                      make_user, uploads):
    _tools("pdfinfo")
    secretariat = make_user("secretariat")
    response = _queue(client, secretariat, cohort["id"])
    assert response.status_code == 302 and "/staff/certificates/ceremony-prints" in response.headers["Location"]
    job = _job(app)
    assert (job.state, job.total, job.done, job.frame) == (PrintState.QUEUED, 3, 0, True)
    # Nothing is rendered inside the request: the page shows the job waiting, refreshing itself.
    page = client.get("/staff/certificates/ceremony-prints?lang=en").get_data(as_text=True)
    assert f'id="print-{job.id}"' in page and 'data-state="queued"' in page and "0 of 3" in page
    assert 'http-equiv="refresh"' in page
    assert client.get(f"/staff/certificates/ceremony-prints/{job.id}.pdf").status_code == 404  # not ready
    # A second press while it waits queues nothing more.
    _queue(client, secretariat, cohort["id"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CeremonyPrint)) == 1

    result = runner.invoke(args=["registrations", "run-jobs"])
    assert result.exit_code == 0, result.output
    assert "1 made, 0 failed" in result.output
    job = _job(app)
    assert (job.state, job.done) == (PrintState.DONE, 3)

    page = client.get("/staff/certificates/ceremony-prints?lang=en").get_data(as_text=True)
    assert 'data-state="done"' in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/staff/certificates/ceremony-prints/{job.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pdf = uploads / "download.pdf"
    pdf.write_bytes(download.data)
    assert _pages(pdf) == 3

    for role in ("reviewer", "city"):
        login(client, make_user(role))
        assert client.get(f"/staff/certificates/ceremony-prints/{job.id}.pdf").status_code == 403
    login(client, cohort["owners"][0])
    assert client.get(f"/staff/certificates/ceremony-prints/{job.id}.pdf").status_code == 403


def test_the_progress_is_committed_after_each_certificate(app, cohort, make_user, uploads, monkeypatch):
    from portal.certificates import operations

    seen = []
    with app.app_context():
        job = operations.queue_ceremony_print(db.session.get(Cohort, cohort["id"]), None)
        db.session.commit()
        job = operations.claim(job.id)

        def look(_step):
            # What another process (the page) reads at this moment.
            with db.engine.connect() as connection:
                seen.append(connection.execute(db.text("SELECT done FROM ceremony_prints")).scalar())

        operations.run(job, progress=look)
    assert seen == [1, 2, 3]


def test_the_command_renders_one_page_per_certificate_with_or_without_the_frame(app, runner, cohort, uploads):
    _tools("pdfinfo", "pdftoppm")
    framed, bare = uploads / "framed.pdf", uploads / "bare.pdf"
    result = runner.invoke(args=["registrations", "ceremony-print", "--cohort", "5", "--output", str(framed)])
    assert result.exit_code == 0, result.output
    assert "3 certificate(s)" in result.output and "with the frame" in result.output
    result = runner.invoke(args=["registrations", "ceremony-print", "--cohort", "5", "--no-frame", "--output", str(bare)])
    assert result.exit_code == 0, result.output
    assert _pages(framed) == 3 and _pages(bare) == 3

    from PIL import Image

    def dark_pixels_near_the_edge(pdf):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))],
                       check=True)
        image = Image.open(next(uploads.glob(f"{pdf.stem}*.png"))).convert("L")
        # The frame's outer border runs 12 mm in from the left (about 28 px at 60 dpi).
        return sum(1 for x in range(20, 40) for y in range(200, 500) if image.getpixel((x, y)) < 128)

    assert dark_pixels_near_the_edge(framed) > 100
    assert dark_pixels_near_the_edge(bare) == 0
    with app.app_context():
        states = db.session.scalars(db.select(CeremonyPrint.state)).all()
        assert states == [PrintState.DONE, PrintState.DONE]


def test_a_cohort_not_decided_has_no_ceremony_print(app, runner, make_user, client, uploads):
    now = datetime.now(timezone.utc)
    with app.app_context():
        cohort = Cohort(number=6, opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=5),
                        state=CohortState.OPEN)
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id
    result = runner.invoke(args=["registrations", "ceremony-print", "--cohort", "6"])
    assert result.exit_code != 0 and "decided" in result.output
    login(client, make_user("secretariat"))
    token = TOKEN.search(client.get("/account").get_data(as_text=True)).group(1)
    response = client.post(f"/staff/certificates/cohorts/{cohort_id}/ceremony-print", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CeremonyPrint)) == 0


def test_a_job_whose_runner_died_is_queued_again_and_a_failure_is_shown(app, runner, cohort, uploads, monkeypatch):
    from portal.certificates import operations
    from portal.registrations import documents

    with app.app_context():
        job = operations.queue_ceremony_print(db.session.get(Cohort, cohort["id"]), None)
        db.session.commit()
        operations.claim(job.id)
        job.heartbeat_at = datetime.now(timezone.utc) - timedelta(hours=1)
        db.session.commit()

    def broken(data):
        raise RuntimeError("font gone")

    monkeypatch.setattr(documents, "certificate_file", broken)
    result = runner.invoke(args=["registrations", "run-jobs"])
    assert result.exit_code == 1 and "0 made, 1 failed" in result.output
    job = _job(app)
    assert job.state == PrintState.FAILED and "font gone" in job.error


# --- the registration mark ----------------------------------------------------------------------

def test_a_registrant_downloads_the_mark_with_its_rules(app, client, cohort):
    login(client, cohort["owners"][0])
    page = client.get("/registration-mark/?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="mark-rules"' in text and "registration is active" in text
    svg = client.get("/registration-mark/svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"PLACEHOLDER" in svg.data
    png = client.get("/registration-mark/png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    with app.app_context():
        registration = db.session.scalar(db.select(Registration).where(Registration.number == "KS05-0001"))
        registration_id = registration.id
    show = client.get(f"/registrations/{registration_id}").get_data(as_text=True)
    assert 'id="registration-mark"' in show


@pytest.mark.parametrize("change", [
    {"valid_until": today_jst() - timedelta(days=1)},
    {"state": "withdrawn", "ended_on": today_jst() - timedelta(days=1)},
    {"state": "revoked", "ended_on": today_jst() - timedelta(days=1)},
])
def test_the_mark_is_only_for_an_active_registration(app, client, cohort, change):
    with app.app_context():
        registration = db.session.scalar(db.select(Registration).where(Registration.number == "KS05-0001"))
        for key, value in change.items():
            setattr(registration, key, value)
        db.session.commit()
    login(client, cohort["owners"][0])
    assert client.get("/registration-mark/").status_code == 403
    assert client.get("/registration-mark/svg").status_code == 403


def test_the_mark_is_not_for_staff_applicants_without_registration_or_anonymous(app, client, make_user, cohort):
    for user in (make_user(), make_user("secretariat"), make_user("city")):
        login(client, user)
        assert client.get("/registration-mark/png").status_code == 403
    anonymous = app.test_client().get("/registration-mark/png")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
