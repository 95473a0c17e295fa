"""The secretariat's partner pages: institutions with contact and logo (checked by content),
partner users invited to one institution, every institution's support records by fiscal
quarter, and the overview of activity per quarter."""
from __future__ import annotations

import io
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from partner_support import TODAY, client_for, record
from support import csrf_token
from portal.accounts.models import User
from portal.core.audit import AuditEntry
from portal.core.extensions import db
from portal.partners.models import PartnerInstitution
from portal.partners.overview import Quarter, recent_quarters

INSTITUTION = {"code": "aso-shinkin", "name_ja": "阿蘇信用金庫", "name_en": "Aso Shinkin Bank", "kind": "shinkin",
               "contact_department": "営業推進部", "contact_phone": "0967-00-0000",
               "contact_email": "sdgs@aso.example.jp", "website": "https://aso.example.jp"}


def _image(fmt: str = "PNG", size=(120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "darkgreen").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def secretariat(app, make_user):
    return client_for(app, make_user("secretariat", locale="en"))


def _create(client, **changes):
    data = {**INSTITUTION, **changes}
    return client.post("/staff/partners/new", data={"csrf_token": csrf_token(client, "/staff/partners/new"), **data},
                       content_type="multipart/form-data")


def _institution(app, code="aso-shinkin") -> PartnerInstitution:
    with app.app_context():
        found = db.session.scalar(db.select(PartnerInstitution).where(PartnerInstitution.code == code))
        db.session.expunge_all()
        return found


def test_the_secretariat_adds_an_institution_with_a_logo(app, secretariat):
    response = _create(secretariat, logo=(io.BytesIO(_image()), "logo.png"))
    institution = _institution(app)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/partners/{institution.id}")
    assert (institution.kind, institution.contact_department, institution.logo_content_type) == (
        "shinkin", "営業推進部", "image/png")
    logo = client_for(app, None).get(f"/partners/{institution.id}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == _image()
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    page = secretariat.get(f"/staff/partners/{institution.id}").get_data(as_text=True)
    assert "阿蘇信用金庫" in page and "営業推進部" in page and f"/partners/{institution.id}/logo" in page
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "partner.created"))


@pytest.mark.parametrize("upload, message", [
    ((b"", ""), None),  # no file chosen: no logo, no error
    ((b"", "empty.png"), "The file is empty."),
    ((b"%PDF-1.4 not an image", "logo.png"), "The logo must be a PNG or JPEG image."),
    ((b"<svg onload=alert(1)></svg>", "logo.svg"), "The logo must be a PNG or JPEG image."),
    ((b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "logo.png"), "This file is not a readable PNG or JPEG image"),
    ((_image("JPEG", (5000, 10)), "wide.jpg"), "This file is not a readable PNG or JPEG image"),
    ((b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 1), "big.png"), "The logo is larger than 1 MB."),
])
def test_a_bad_logo_is_refused_with_a_message(app, secretariat, upload, message):
    data, name = upload
    response = _create(secretariat, logo=(io.BytesIO(data), name))
    if message is None:
        assert response.status_code == 302 and _institution(app).logo_name is None
        return
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _institution(app) is None


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims width × height pixels (a decompression bomb if large)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height", [
    (20000, 20000),  # Pillow's own guard raises DecompressionBombError
    (10000, 10000),  # Pillow only warns
    (4001, 1),  # too wide for a logo, though tiny
])
def test_an_image_claiming_too_many_pixels_is_refused_before_it_is_decoded(app, secretariat, width, height):
    logos_folder = Path(app.config["UPLOAD_FOLDER"]) / "partner-logos"
    stored_before = set(logos_folder.iterdir()) if logos_folder.is_dir() else set()
    bomb = _png_claiming(width, height)
    assert len(bomb) < 200

    response = _create(secretariat, logo=(io.BytesIO(bomb), "huge.png"))
    assert response.status_code == 200
    assert "This file is not a readable PNG or JPEG image (at most 4,000 pixels a side)." in response.get_data(
        as_text=True)
    assert _institution(app) is None
    assert (set(logos_folder.iterdir()) if logos_folder.is_dir() else set()) == stored_before

    # Replacing a logo goes through the same check.
    assert _create(secretariat).status_code == 302
    edit = f"/staff/partners/{_institution(app).id}/edit"
    response = secretariat.post(edit, data={"csrf_token": csrf_token(secretariat, edit), **INSTITUTION,
                                            "logo": (io.BytesIO(bomb), "huge.png")},
                                content_type="multipart/form-data")
    assert response.status_code == 200 and "at most 4,000 pixels a side" in response.get_data(as_text=True)
    assert _institution(app).logo_name is None


def test_a_real_large_image_is_refused_too(app, secretariat):
    """A genuine 20000×20000 PNG (1 bit a pixel: Pillow writes it in little memory)."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    response = _create(secretariat, logo=(io.BytesIO(buffer.getvalue()), "huge.png"))
    assert response.status_code == 200 and "at most 4,000 pixels a side" in response.get_data(as_text=True)
    assert _institution(app) is None


def test_codes_are_unique_and_plain(app, secretariat):
    assert _create(secretariat).status_code == 302
    again = _create(secretariat, name_ja="別の名前")
    assert again.status_code == 200 and "This code is already used by another institution." in again.get_data(
        as_text=True)
    odd = _create(secretariat, code="阿蘇 bank!")
    assert "Use lower-case letters, digits and hyphens only." in odd.get_data(as_text=True)


def test_editing_keeps_the_code_and_replaces_the_logo(app, secretariat):
    _create(secretariat, logo=(io.BytesIO(_image()), "logo.png"))
    institution = _institution(app)
    edit = f"/staff/partners/{institution.id}/edit"
    data = {k: v for k, v in INSTITUTION.items() if k != "code"}
    response = secretariat.post(edit, data={"csrf_token": csrf_token(secretariat, edit), **data,
                                            "code": "hijacked", "contact_phone": "0967-11-1111",
                                            "logo": (io.BytesIO(_image("JPEG")), "new.jpg")},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    changed = _institution(app)
    assert changed.code == "aso-shinkin" and changed.contact_phone == "0967-11-1111"
    assert changed.logo_content_type == "image/jpeg" and changed.logo_name != institution.logo_name
    from portal.partners import logos

    with app.app_context():
        assert not logos.path_of(institution.logo_name).exists()  # the old file is gone
    response = secretariat.post(edit, data={"csrf_token": csrf_token(secretariat, edit), **data, "remove_logo": "y"},
                                content_type="multipart/form-data")
    assert response.status_code == 302 and _institution(app).logo_name is None
    assert client_for(app, None).get(f"/partners/{institution.id}/logo").status_code == 404


def test_the_secretariat_invites_a_partner_user(app, secretariat, mails):
    _create(secretariat)
    institution = _institution(app)
    page = f"/staff/partners/{institution.id}"
    token = csrf_token(secretariat, page)
    response = secretariat.post(f"{page}/users", data={"csrf_token": token, "name": "阿蘇 信子",
                                                       "email": "Nobuko@Aso.example.jp", "locale": "ja"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#users")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "nobuko@aso.example.jp"))
        assert (user.role, user.partner_id, user.password_hash) == ("partner", institution.id, None)
    [mail] = mails(to="nobuko@aso.example.jp")
    assert "/reset-password/" in mail.body or "http://portal.test/" in mail.body
    again = secretariat.post(f"{page}/users", data={"csrf_token": token, "name": "x",
                                                    "email": "nobuko@aso.example.jp", "locale": "ja"})
    assert again.status_code == 200 and "An account with this e-mail address already exists." in again.get_data(
        as_text=True)
    bad = secretariat.post(f"{page}/users", data={"csrf_token": token, "name": "", "email": "not-an-address"})
    assert bad.status_code == 200 and "Enter a valid e-mail address." in bad.get_data(as_text=True)


def test_fiscal_quarters():
    assert Quarter.of(date(2026, 4, 1)) == Quarter(2026, 1)
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2026, 3)
    assert Quarter.of(date(2027, 3, 31)) == Quarter(2026, 4)
    assert (Quarter(2026, 4).starts, Quarter(2026, 4).ends) == (date(2027, 1, 1), date(2027, 3, 31))
    assert recent_quarters(date(2026, 5, 10)) == [Quarter(2025, 2), Quarter(2025, 3), Quarter(2025, 4),
                                                  Quarter(2026, 1)]
    assert Quarter.parse("2026-3") == Quarter(2026, 3) and Quarter.parse("2026-5") is None
    assert Quarter.parse("<x>") is None and Quarter.parse("") is None


def test_the_overview_counts_records_and_organisations_per_quarter(app, secretariat, partner, organisation):
    a, b = partner("bank-a"), partner("bank-b")
    first = organisation("一社目", consents=("bank-a", "bank-b"))
    second = organisation("二社目", consents=("bank-a",))
    this_quarter = Quarter.of(TODAY)
    days_in = (TODAY - this_quarter.starts).days
    record(app, a, first.organisation_id, days_ago=0)
    record(app, a, first.organisation_id, days_ago=days_in)  # the quarter's first day
    record(app, a, second.organisation_id, days_ago=0)
    record(app, a, second.organisation_id, days_ago=days_in + 1)  # the quarter before
    record(app, b, first.organisation_id, days_ago=0, notes="B-private")
    html = secretariat.get("/staff/partners/").get_data(as_text=True)
    bank_a = html[html.index("bank-a</a>"):]
    bank_a = bank_a[:bank_a.index("</tr>")]
    assert f'data-quarter="{this_quarter.key}">' in bank_a
    cell = bank_a[bank_a.index(f'data-quarter="{this_quarter.key}">'):]
    assert ">3</a> / 2" in cell[:200]
    previous = bank_a[bank_a.index(f'data-quarter="{this_quarter.previous().key}">'):]
    assert ">1</a> / 1" in previous[:200]
    assert "<td data-supported>2</td>" in bank_a
    # The secretariat sees every record, private ones too, filtered by institution and quarter.
    records = secretariat.get("/staff/partners/records").get_data(as_text=True)
    assert "B-private" in records and "5 records" in records
    institution_b = _institution(app, "bank-b")
    only_b = secretariat.get(f"/staff/partners/records?institution={institution_b.id}").get_data(as_text=True)
    assert "1 record" in only_b
    quarter = secretariat.get(f"/staff/partners/records?quarter={this_quarter.previous().key}").get_data(
        as_text=True)
    assert "1 record" in quarter
    assert secretariat.get("/staff/partners/records?quarter=junk&institution=x").status_code == 200


def test_reviewers_and_partners_do_not_manage_partners(app, make_user, partner):
    for user in (make_user("reviewer"), partner("bank-a")):
        client = client_for(app, user)
        assert client.get("/staff/partners/").status_code == 403
        assert client.get("/staff/partners/records").status_code == 403
