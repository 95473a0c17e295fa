"""The certificate fit for the ceremony: the issuer's title and name with the official seal over
it, a restrained title, the registration mark, the verification URL from PORTAL_BASE_URL, one A4
portrait page — and every one of these inputs decides whether a stored certificate is current."""
import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from portal.certificates.models import IssuerSettings
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.registrations.models import Registration
from support import login, require_or_skip

ROOT = Path(__file__).resolve().parents[2]
SEAL_PNG = (ROOT / "portal" / "demo" / "seal" / "sample-seal.png").read_bytes()
SEAL_SVG = (ROOT / "portal" / "demo" / "seal" / "sample-seal.svg").read_bytes()
BASE = "https://sdgs.pref.kumamoto.example"


def _tools(*names):
    for name in names:
        require_or_skip(shutil.which(name) is not None, f"{name} (poppler-utils) is not installed")


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _info(pdf: bytes) -> str:
    return subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", BASE)
    return tmp_path


@pytest.fixture
def registrant(app, make_user, make_organisation):
    """A registrant's owner and their registration (KS04-0001, active), and the secretariat."""
    owner = make_user()
    organisation = make_organisation(owner, corporate_number=None, kind="group", name="くまもと水と森の会")
    with app.app_context():
        cohort = Cohort(number=4, opens_at=_utc(-400), closes_at=_utc(-380), state=CohortState.DECIDED,
                        decided_on=today_jst() - timedelta(days=300))
        db.session.add(cohort)
        db.session.flush()
        registration = Registration(number="KS04-0001", cohort_id=cohort.id, sequence=1, organisation_id=organisation,
                                    registered_on=today_jst() - timedelta(days=300),
                                    valid_until=today_jst() + timedelta(days=700))
        db.session.add(registration)
        db.session.commit()
        return {"owner": owner, "registration": registration.id, "secretariat": make_user("secretariat")}


def _utc(days):
    from datetime import datetime, timezone

    return datetime.now(timezone.utc) + timedelta(days=days)


def _set_issuer(client, secretariat, title="熊本県知事", name="見本太郎", seal=None, filename="seal.png", **extra):
    login(client, secretariat)
    page = client.get("/staff/certificates/issuer")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "title": title, "name": name, **extra}
    if seal is not None:
        data["seal"] = (io.BytesIO(seal), filename)
    return client.post("/staff/certificates/issuer", data=data, content_type="multipart/form-data")


def _certificate(client, registrant) -> tuple[bytes, str]:
    login(client, registrant["owner"])
    response = client.get(f"/registrations/{registrant['registration']}/certificate.pdf")
    assert response.status_code == 200
    return response.data, response.headers["ETag"]


def test_the_certificate_names_the_issuer_under_its_seal_on_one_a4_portrait_page(app, client, registrant, uploads):
    _tools("pdftotext", "pdfinfo", "pdfimages")
    response = _set_issuer(client, registrant["secretariat"], seal=SEAL_PNG)
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(IssuerSettings, 1)
        assert (row.title, row.name, row.seal_type) == ("熊本県知事", "見本太郎", "image/png")

    pdf, _ = _certificate(client, registrant)
    text = _text(pdf)
    assert "熊本県知事" in text and "見本太郎" in text
    assert "熊本県SDGs登録証" in text.replace(" ", "") and "S D G s" not in text and "SDGs" in text
    assert f"{BASE}/verify/KS04-0001" in text
    assert "localhost" not in text and "127.0.0.1" not in text and "portal.test" not in text
    info = _info(pdf)
    assert re.search(r"^Pages:\s+1$", info, re.M)
    width, height = (float(v) for v in info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert round(width) == 595 and round(height) == 842  # A4 portrait
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert len([line for line in images.splitlines()[2:] if " image " in line]) >= 2  # the seal and the mark


def test_a_new_seal_name_or_mark_makes_the_stored_certificate_stale(app, client, registrant, uploads, tmp_path_factory,
                                                                    monkeypatch):
    _tools("pdftotext")
    _set_issuer(client, registrant["secretariat"], seal=SEAL_PNG)
    first, first_tag = _certificate(client, registrant)
    again, again_tag = _certificate(client, registrant)
    assert again_tag == first_tag and again == first  # reused, not made again

    _set_issuer(client, registrant["secretariat"], seal=SEAL_SVG, filename="seal.svg")
    with_svg, svg_tag = _certificate(client, registrant)
    assert svg_tag != first_tag
    stored = list((uploads / "certificates").glob("KS04-0001-*.pdf"))
    assert len(stored) == 1 and svg_tag.strip('"') in stored[0].name  # the earlier file is gone

    _set_issuer(client, registrant["secretariat"], name="見本次郎")
    renamed, renamed_tag = _certificate(client, registrant)
    assert renamed_tag != svg_tag and "見本次郎" in _text(renamed)

    _set_issuer(client, registrant["secretariat"], name="見本次郎", remove_seal="y")
    unsealed, unsealed_tag = _certificate(client, registrant)
    assert unsealed_tag != renamed_tag

    # The prefecture's artwork replaces the placeholder mark: new certificates.
    artwork = tmp_path_factory.mktemp("mark")
    from PIL import Image

    Image.new("RGB", (40, 40), "green").save(artwork / "kumamoto-sdgs-registration-mark.png")
    (artwork / "kumamoto-sdgs-registration-mark.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    monkeypatch.setitem(app.config, "REGISTRATION_MARK_FOLDER", str(artwork))
    _, marked_tag = _certificate(client, registrant)
    assert marked_tag != unsealed_tag


@pytest.mark.parametrize("content, filename", [
    (b"\xff\xd8\xff\xe0 jpeg", "seal.png"),
    (b"%PDF-1.4 seal", "seal.svg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "seal.svg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><image href='https://example.com/a.png'/></svg>", "seal.svg"),
    (b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'x'>]><svg xmlns='http://www.w3.org/2000/svg'/>", "seal.svg"),
    (b"\x89PNG\r\n\x1a\n not really", "seal.png"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "seal.png"),
])
def test_a_seal_that_is_not_a_usable_png_or_svg_is_refused_on_the_field(app, client, registrant, uploads, content,
                                                                         filename):
    response = _set_issuer(client, registrant["secretariat"], seal=content, filename=filename)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="seal-error"' in page
    with app.app_context():
        assert db.session.get(IssuerSettings, 1) is None
    assert not (uploads / "issuer").exists() or not any((uploads / "issuer").iterdir())


def test_the_title_is_required(app, client, registrant, uploads):
    response = _set_issuer(client, registrant["secretariat"], title="")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(IssuerSettings, 1) is None


def test_only_the_secretariat_sets_the_issuer(client, registrant, make_user, uploads):
    for role in ("reviewer", "city", "applicant"):
        login(client, make_user(role))
        assert client.get("/staff/certificates/issuer").status_code == 403


def test_without_settings_the_certificate_names_the_governor_by_title(app, client, registrant, uploads):
    _tools("pdftotext")
    pdf, _ = _certificate(client, registrant)
    assert "熊本県知事" in _text(pdf)


def test_doctor_refuses_a_local_base_url_in_production(app, runner, monkeypatch):
    from portal.core import diagnostics

    with app.app_context():
        monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "http://127.0.0.1:5000")
        monkeypatch.setitem(app.config, "PRODUCTION", False)
        assert diagnostics.base_url()[0]
        monkeypatch.setitem(app.config, "PRODUCTION", True)
        ok, message = diagnostics.base_url()
        assert not ok and "PORTAL_BASE_URL" in message
        monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "http://localhost")
        assert not diagnostics.base_url()[0]
        monkeypatch.setitem(app.config, "PORTAL_BASE_URL", BASE)
        assert diagnostics.base_url()[0]
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "http://localhost:5000")
    result = runner.invoke(args=["doctor"])
    assert "PROBLEM PORTAL_BASE_URL is http://localhost:5000" in result.output and result.exit_code != 0


def test_the_demo_sets_the_issuer_with_a_sample_seal_and_its_certificates_show_them(app, client, registrant, uploads):
    """What `flask seed-demo` calls (the whole demo is seeded by tests/core/test_cli.py)."""
    _tools("pdftotext")
    from portal.accounts.models import User
    from portal.demo.issuer import seed_issuer

    with app.test_request_context():
        secretariat = db.session.get(User, registrant["secretariat"])
        seed_issuer(secretariat)
        db.session.commit()
        row = db.session.get(IssuerSettings, 1)
        assert row.title == "熊本県知事" and "デモ" in row.name and row.seal_type == "image/png"
        row.name = "知事の名前"  # the secretariat's own setting survives a second seeding
        db.session.commit()
        seed_issuer(secretariat)
        db.session.commit()
        assert db.session.get(IssuerSettings, 1).name == "知事の名前"
        row.name = "見本　太郎（デモ）"
        db.session.commit()
    text = _text(_certificate(client, registrant)[0])
    assert "熊本県知事" in text and "見本" in text and "デモ" in text
