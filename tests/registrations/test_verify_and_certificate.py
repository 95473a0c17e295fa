"""The public verification page, the registrant's registration page and the certificate (登録証)."""
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from pages import structure_problems
from portal.accounts.models import User
from portal.applications import operations as applications
from portal.cohorts import operations
from portal.cohorts.models import Cohort, CohortState
from portal.core.extensions import db
from portal.core.i18n import today_jst
from portal.core.japanese import wareki, wareki_with_western
from portal.registrations import documents
from portal.registrations.models import Registration, RegistrationState
from portal.registrations.terms import term_end
from support import login, minimal_content, require_or_skip

TODAY = today_jst()
DECIDED_ON = TODAY - timedelta(days=30)
NAME = "くまもと水と森の会"


@pytest.fixture
def registered(app, make_user, make_organisation):
    """registered(names=(NAME,), number=7) -> [{"id", "number", "owner", "organisation"}] for
    registrations created the real way: applications submitted, recommended, and the cohort decided."""

    content = minimal_content(6)
    reviewer_id = make_user("reviewer")

    def build(names=(NAME,), number: int = 7) -> list[dict]:
        now = datetime.now(timezone.utc)
        owners = [make_user() for _ in names]
        organisations = [make_organisation(owner, corporate_number=None, kind="group", name=name)
                         for owner, name in zip(owners, names)]
        with app.test_request_context():
            cohort = operations.plan_cohort(number, now - timedelta(days=60), now - timedelta(days=40))
            operations.move_cohort(cohort, CohortState.OPEN)
            reviewer = db.session.get(User, reviewer_id)
            for index, owner_id in enumerate(owners):
                owner = db.session.get(User, owner_id)
                application = applications.start_application(owner.organisation, cohort, owner)
                for key, value in content.items():
                    applications.save_section(application, key, value, owner)
                applications.submit_application(application, owner, now=now - timedelta(days=50, minutes=-index))
                applications.start_review(application, reviewer)
                applications.recommend(application, True, reviewer, "")
            operations.move_cohort(cohort, CohortState.CLOSED)
            secretariat = User(email=f"secretariat-{uuid.uuid4().hex}@example.jp", name="事務局", role="secretariat")
            db.session.add(secretariat)
            operations.decide_cohort(db.session.get(Cohort, cohort.id), DECIDED_ON, secretariat)
            db.session.commit()
            found = []
            for owner_id, organisation_id in zip(owners, organisations):
                registration = db.session.scalar(db.select(Registration).where(Registration.organisation_id == organisation_id))
                found.append({"id": registration.id, "number": registration.number, "owner": owner_id,
                              "organisation": organisation_id})
            return found

    return build


def _update(app, registration_id: int, **fields) -> None:
    """Set a registration's dates or state directly (the lifecycle operations come later)."""
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        for key, value in fields.items():
            setattr(registration, key, value)
        db.session.commit()


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- verification -------------------------------------------------------------------------

def test_an_active_registration_is_verified_with_its_term(client, registered):
    [registration] = registered()
    assert registration["number"] == "KS07-0001"
    response = client.get("/verify/KS07-0001")
    assert response.status_code == 200
    page = _page(response)
    assert not structure_problems(page)
    # The term in the Japanese calendar with the western year, each date once.
    for text in ("KS07-0001", NAME, "熊本市中央区", "第7期", "有効",
                 wareki_with_western(DECIDED_ON), wareki_with_western(term_end(DECIDED_ON))):
        assert text in page, text
    assert page.count(wareki(term_end(DECIDED_ON))) == 0
    english = _page(client.get("/verify/KS07-0001?lang=en"))
    assert "Active" in english and "Cohort 7" in english and "Chuo" in english
    assert DECIDED_ON.strftime("%Y") in english and wareki(DECIDED_ON) in english


def test_an_expired_registration_says_so(app, client, registered):
    [registration] = registered()
    registered_on, valid_until = TODAY - timedelta(days=3 * 365 + 40), TODAY - timedelta(days=40)
    _update(app, registration["id"], registered_on=registered_on, valid_until=valid_until)
    page = _page(client.get("/verify/KS07-0001?lang=en"))
    assert "Expired" in page and "Active" not in page
    assert wareki(valid_until) in page and wareki(registered_on) in page
    assert "its term ended on" in page


def test_the_last_day_of_the_term_is_still_active(app, client, registered):
    [registration] = registered()
    _update(app, registration["id"], valid_until=TODAY)
    assert "Active" in _page(client.get("/verify/KS07-0001?lang=en"))


@pytest.mark.parametrize("state, title, sentence", [
    (RegistrationState.WITHDRAWN, "Withdrawn by the registrant", "the registrant withdrew on"),
    (RegistrationState.REVOKED, "Revoked", "it was revoked on"),
])
def test_a_withdrawn_or_revoked_registration_shows_when_it_ended(app, client, registered, state, title, sentence):
    [registration] = registered()
    ended_on = TODAY - timedelta(days=5)
    _update(app, registration["id"], state=state, ended_on=ended_on, end_reason="非公開の理由")
    response = client.get("/verify/KS07-0001?lang=en")
    page = _page(response)
    assert response.status_code == 200 and not structure_problems(page)
    assert title in page and sentence in page and wareki(ended_on) in page
    assert "非公開の理由" not in page  # the reason is not public
    assert ("辞退" if state == RegistrationState.WITHDRAWN else "取消") in _page(client.get("/verify/KS07-0001?lang=ja"))


@pytest.mark.parametrize("typed", ["ks07-0001", "Ks07-0001", "ＫＳ０７－０００１", "ｋｓ０７－０００１", "KS07ー0001", " KS07-0001 "])
def test_lowercase_and_full_width_numbers_are_accepted(client, registered, typed):
    registered()
    response = client.get(f"/verify/{typed}")
    assert response.status_code == 200
    page = _page(response)
    assert "KS07-0001" in page and NAME in page
    assert '<link rel="canonical" href="http://portal.test/verify/KS07-0001">' in page


@pytest.mark.parametrize("number", ["KS07-0002", "KS08-0001", "KS99-9999"])
def test_an_unknown_number_is_not_found(client, registered, number):
    registered()
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    page = _page(response)
    assert not structure_problems(page) and NAME not in page and number in page


@pytest.mark.parametrize("number", ["KS7-1", "KS07-001", "KS07-00001", "KS070001", "XX07-0001", "abc",
                                    "KS07-0001x", "' OR 1=1 --", "ＫＳ０７－０００１" * 10, "KS٠٧-٠٠٠١"])
def test_a_malformed_number_is_not_found(client, registered, number):
    registered()
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    page = _page(response)
    assert not structure_problems(page) and NAME not in page


def test_normalise_number():
    assert documents.normalise_number("ｋｓ０２－０１３７") == "KS02-0137"
    assert documents.normalise_number("ks02‐0137") == "KS02-0137"
    assert documents.normalise_number("KS02-137") is None
    assert documents.normalise_number("") is None


# --- the registrant's page ------------------------------------------------------------------

def test_the_registrant_sees_the_registration_with_links(app, client, registered):
    [registration] = registered()
    login(client, registration["owner"])
    response = client.get(f"/registrations/{registration['id']}")
    assert response.status_code == 200
    page = _page(response)
    assert not structure_problems(page)
    assert "KS07-0001" in page and NAME in page and "有効" in page and wareki(DECIDED_ON) in page
    assert f'href="/registrations/{registration["id"]}/certificate.pdf"' in page
    assert 'href="/verify/KS07-0001"' in page and "http://portal.test/verify/KS07-0001" in page
    assert 'src="data:image/svg+xml' in page


def test_who_may_see_the_registration_and_its_certificate(app, client, registered, make_user, make_organisation):
    first, second = registered(names=(NAME, "株式会社ほかの会社"))
    staff = make_user("reviewer")
    stranger = make_user()
    make_organisation(stranger, corporate_number=None, kind="group", name="無関係の団体")
    for path in (f"/registrations/{first['id']}", f"/registrations/{first['id']}/certificate.pdf"):
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login?next" in anonymous.headers["Location"]
        for user in (second["owner"], stranger):
            other = app.test_client()
            login(other, user)
            assert other.get(path).status_code == 404
        for user in (first["owner"], staff):
            allowed = app.test_client()
            login(allowed, user)
            assert allowed.get(path).status_code == 200
    login(client, first["owner"])
    assert client.get("/registrations/999999").status_code == 404


# --- the certificate --------------------------------------------------------------------------

def _require_tools(*tools: str) -> None:
    for tool in tools:
        require_or_skip(shutil.which(tool) is not None, f"{tool} (poppler-utils) is not installed")


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


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


def test_the_registrant_downloads_the_certificate(client, registered, certificate_folder):
    _require_tools("pdffonts", "pdftotext")
    [registration] = registered()
    login(client, registration["owner"])
    response = client.get(f"/registrations/{registration['id']}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "KS07-0001.pdf" in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "IPAexMincho" in fonts and "IPAexGothic" in fonts
    assert all(" yes " in line for line in fonts.splitlines()[2:] if line.strip()), fonts  # all embedded
    text = _text(pdf)
    for expected in ("熊本県SDGs登録証", "KS07-0001", NAME, "第7期", "熊本県SDGs登録制度", "熊本県知事",
                     wareki(DECIDED_ON), f"{DECIDED_ON.year}年{DECIDED_ON.month}月{DECIDED_ON.day}日"):
        assert expected.replace(" ", "") in text.replace(" ", ""), expected
    assert "効力を有しません" not in text
    assert subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode().count("Pages:") <= 1


def test_the_qr_code_opens_the_verification_page(client, registered, certificate_folder, tmp_path):
    _require_tools("pdftoppm")
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        zxingcpp = None
    require_or_skip(zxingcpp is not None, "zxing-cpp is not installed")
    [registration] = registered()
    login(client, registration["owner"])
    pdf = client.get(f"/registrations/{registration['id']}/certificate.pdf").data
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "certificate.pdf"),
                    str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    codes = zxingcpp.read_barcodes(Image.open(png))
    assert [code.text for code in codes] == ["http://portal.test/verify/KS07-0001"]
    # … and the page it opens is this registration's.
    assert NAME in _page(client.get("/verify/KS07-0001"))


def test_a_repeat_download_is_not_rendered_again_and_a_new_name_is(app, client, registered, certificate_folder,
                                                                    renders):
    _require_tools("pdftotext")
    [registration] = registered()
    login(client, registration["owner"])
    path = f"/registrations/{registration['id']}/certificate.pdf"
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(renders) == 1
    assert len(list(certificate_folder.glob("KS07-0001-*.pdf"))) == 1
    # The browser's copy is still good: 304 without a body.
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and len(renders) == 1

    with app.test_request_context():  # a change of the certified details (as an accepted 変更届 makes)
        from portal.registrations import details

        record = db.session.get(Registration, registration["id"])
        details.open_version(record, {**details.values_of(record.organisation), "name": "くまもと水と緑の会"}, TODAY)
        db.session.commit()
    renamed = client.get(path)
    assert len(renders) == 2
    assert renamed.headers["ETag"] != first.headers["ETag"]
    assert "くまもと水と緑の会" in _text(renamed.data) and NAME not in _text(renamed.data)
    assert len(list(certificate_folder.glob("KS07-0001-*.pdf"))) == 1  # the superseded file is gone
    client.get(path)
    assert len(renders) == 2


def test_a_repeat_download_reads_only_the_data_generations_and_follows_a_change_on_another_server(
        app, client, registered, certificate_folder, second_server, make_user, make_organisation):
    """What a download needs is kept under the certificates generation: a repeat reads no row, a
    change committed on another server gives the new certificate on the next download here, and
    the kept source lets nobody else in."""
    from support import counted, warm_user

    _require_tools("pdftotext")
    [registration] = registered()
    login(client, registration["owner"])
    path = f"/registrations/{registration['id']}/certificate.pdf"
    first = client.get(path)
    warm_user(client)
    with counted(app) as statements:
        assert client.get(path).headers["ETag"] == first.headers["ETag"]
    assert len(statements) == 1 and "FROM generations" in statements[0], statements

    stranger = app.test_client()
    other_owner = make_user()
    make_organisation(other_owner, corporate_number=None, kind="group", name="無関係の団体")
    login(stranger, other_owner)
    assert stranger.get(path).status_code == 404

    with second_server.test_request_context():
        from portal.registrations import details

        record = db.session.get(Registration, registration["id"])
        details.open_version(record, {**details.values_of(record.organisation), "name": "くまもと水と緑の会"}, TODAY)
        db.session.commit()
    renamed = client.get(path)
    assert renamed.headers["ETag"] != first.headers["ETag"] and "くまもと水と緑の会" in _text(renamed.data)

    for stored in certificate_folder.glob("KS07-0001-*.pdf"):  # the volume lost its files
        stored.unlink()
    again = client.get(path)
    assert again.status_code == 200 and again.headers["ETag"] == renamed.headers["ETag"]  # rendered again


def test_a_new_term_or_status_gives_a_new_certificate(app, client, registered, certificate_folder, renders):
    _require_tools("pdftotext")
    [registration] = registered()
    login(client, registration["owner"])
    path = f"/registrations/{registration['id']}/certificate.pdf"
    client.get(path)
    new_end = term_end(DECIDED_ON, years=6)
    _update(app, registration["id"], valid_until=new_end)
    assert wareki(new_end) in _text(client.get(path).data)
    _update(app, registration["id"], state=RegistrationState.REVOKED, ended_on=TODAY)
    text = _text(client.get(path).data).replace(" ", "")
    assert len(renders) == 3
    assert "取り消されました" in text and "効力を有しません" in text and "KS07-0001" in text


def test_certificate_data_is_plain(app, registered):
    [registration] = registered()
    with app.test_request_context():
        data = documents.certificate_data(db.session.get(Registration, registration["id"]), TODAY)
    assert data == {"number": "KS07-0001", "name": NAME, "representative": "代表取締役　熊本 花子",
                    "address": "熊本県熊本市中央区花畑町1-1", "cohort": 7, "registered_on": DECIDED_ON.isoformat(),
                    "valid_until": term_end(DECIDED_ON).isoformat(), "status": "active", "ended_on": None,
                    "reissued_on": None, "verify_url": "http://portal.test/verify/KS07-0001",
                    # the issuer (no settings yet: the title alone) and the registration mark's artwork
                    "issuer_title": "熊本県知事", "issuer_name": "", "seal": None,
                    "mark_sha256": data["mark_sha256"]}
    assert len(data["mark_sha256"]) == 64
    assert all(isinstance(v, (str, int, type(None))) for v in data.values())


# --- what registration does not certify ------------------------------------------------------

MEANING = ("Registration attests to the organisation's declaration and its plan for the SDGs (its 2030 vision and "
           "key actions); it does not certify its products or services, nor its creditworthiness.")


def _in_japanese(app, text: str) -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("ja"):
        return gettext(text)


def test_the_verification_page_says_what_registration_does_not_certify(app, client, registered):
    import re
    from html import unescape

    registered()
    pattern = re.compile(r'<p class="notice registration-meaning" id="registration-meaning">([^<]*)</p>')
    [english] = pattern.findall(_page(client.get("/verify/KS07-0001?lang=en")))
    assert unescape(english) == MEANING
    [japanese] = pattern.findall(_page(client.get("/verify/KS07-0001?lang=ja")))
    assert unescape(japanese) == _in_japanese(app, MEANING)


def test_the_certificate_says_it_too_on_its_one_page(app, client, registered, certificate_folder):
    _require_tools("pdftotext", "pdfinfo")
    import re

    [registration] = registered()
    login(client, registration["owner"])
    pdf = client.get(f"/registrations/{registration['id']}/certificate.pdf").data
    text = re.sub(r"\s", "", _text(pdf))
    assert re.sub(r"\s", "", _in_japanese(app, MEANING)) in text  # the certificate is Japanese
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
