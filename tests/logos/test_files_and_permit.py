"""The logo files (only the holder of a live permit, only a permitted variant) and the permit
PDF (使用許可書: IPAex embedded, 和暦 dates)."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest

from support import login, require_or_skip

from portal.core.pdf import embedded_fonts
from portal.logos.variants import VARIANTS

from logo_builders import TODAY

REFUSED_VARIANT = "does not include this design variant"
REFUSED_PERMIT = "only while a permit is valid"


def test_the_holder_downloads_each_permitted_variant_as_svg_and_png(app, client, holder, make_permit):
    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal", "mono-mark"])
    login(client, holder)
    for variant in ("color-horizontal", "mono-mark"):
        svg = client.get(f"/logos/{permit_id}/files/{variant}.svg")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"PLACEHOLDER" in svg.data and "attachment" in svg.headers["Content-Disposition"]
        assert "private" in svg.headers["Cache-Control"]
        png = client.get(f"/logos/{permit_id}/files/{variant}.png")
        assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    page = client.get(f"/logos/{permit_id}").get_data(as_text=True)
    assert f"/logos/{permit_id}/files/mono-mark.png" in page
    assert f"/logos/{permit_id}/files/color-vertical.svg" not in page


@pytest.mark.parametrize("path, words", [
    ("color-vertical.svg", REFUSED_VARIANT),
    ("mono-horizontal.png", REFUSED_VARIANT),
    ("gold.svg", "no design variant of that name"),
])
def test_a_variant_not_permitted_is_refused_with_a_clear_404(client, holder, make_permit, path, words):
    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    login(client, holder)
    response = client.get(f"/logos/{permit_id}/files/{path}")
    assert response.status_code == 404
    assert words in response.get_data(as_text=True)


def test_an_unknown_format_or_a_path_is_not_found(client, holder, make_permit):
    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    login(client, holder)
    for path in ("color-horizontal.exe", "..%2F..%2Fconfig.svg", "../../app.py", "color-horizontal.svg%00.png"):
        assert client.get(f"/logos/{permit_id}/files/{path}").status_code == 404


@pytest.mark.parametrize("state", ["submitted", "returned", "rejected", "revoked", "expired"])
def test_no_file_without_a_live_permit(client, holder, make_permit, state):
    permit_id = make_permit(holder, state=state, permitted=["color-horizontal"])
    login(client, holder)
    response = client.get(f"/logos/{permit_id}/files/color-horizontal.svg")
    assert response.status_code == 404
    assert REFUSED_PERMIT in response.get_data(as_text=True)


def test_a_permit_past_its_end_refuses_before_the_daily_command_ran(app, client, holder, make_permit):
    from portal.core.extensions import db
    from portal.logos.models import LogoPermit

    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    with app.app_context():
        permit = db.session.get(LogoPermit, permit_id)
        permit.valid_from, permit.valid_until = TODAY - timedelta(days=40), TODAY - timedelta(days=1)
        db.session.commit()
    login(client, holder)
    assert client.get(f"/logos/{permit_id}/files/color-horizontal.svg").status_code == 404


def test_a_permit_not_begun_yet_already_gives_its_files(client, holder, make_permit):
    permit_id = make_permit(holder, state="approved", valid_from=TODAY + timedelta(days=30),
                            valid_until=TODAY + timedelta(days=60), permitted=["color-mark"])
    login(client, holder)
    assert client.get(f"/logos/{permit_id}/files/color-mark.svg").status_code == 200
    assert "not begun yet" in client.get(f"/logos/{permit_id}").get_data(as_text=True)


def test_nobody_else_gets_the_files_and_learns_nothing(app, client, holder, make_user, make_organisation,
                                                      make_permit):
    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    other = make_user(email="other@example.jp")
    make_organisation(other, kind="group", corporate_number=None, name="別の会")
    for user_id in (other, make_user("secretariat", email="s@example.jp"), make_user("partner", partner="bank-x")):
        login(client, user_id)
        response = client.get(f"/logos/{permit_id}/files/color-horizontal.svg")
        assert response.status_code == 404
        assert REFUSED_VARIANT not in response.get_data(as_text=True)


def test_every_member_of_the_holding_organisation_downloads(app, client, holder, make_user, make_permit):
    from portal.accounts.models import User
    from portal.core.extensions import db
    from portal.organisations.models import Membership

    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal"])
    colleague = make_user(email="colleague@example.jp")
    with app.app_context():
        owner = db.session.get(User, holder)
        db.session.add(Membership(user_id=colleague, organisation_id=owner.membership.organisation_id,
                                  is_owner=False))
        db.session.commit()
    login(client, colleague)
    assert client.get(f"/logos/{permit_id}/files/color-horizontal.png").status_code == 200


def test_every_variant_has_both_files(app):
    from portal.logos.variants import artwork_path

    with app.app_context():
        for variant in VARIANTS:
            assert artwork_path(variant.code, "svg").read_text(encoding="utf-8").count("PLACEHOLDER") >= 1
            assert artwork_path(variant.code, "png").read_bytes().startswith(b"\x89PNG")
            assert (app.static_folder and (__import__("pathlib").Path(app.static_folder) / variant.preview).is_file())


def test_the_permit_pdf_is_japanese_with_ipaex_and_wareki(app, client, holder, make_permit, load):
    from pypdf import PdfReader

    permit_id = make_permit(holder, state="approved", permitted=["color-horizontal", "mono-vertical"])
    permit = load(permit_id)
    login(client, holder)
    response = client.get(f"/logos/{permit_id}/permit.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert embedded_fonts(response.data) >= {"IPAexMincho"}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    squashed = "".join(text.split())
    assert permit.number in squashed
    assert "使用許可書" in squashed and "令和" in squashed
    assert "カラー・文字あり（横組）" in squashed and "モノクロ・文字あり（縦組）" in squashed
    assert "名刺" in squashed and "政治活動又は宗教活動" in squashed
    assert "無効" not in squashed


def test_a_revoked_permit_pdf_says_it_is_void(client, holder, make_permit):
    from pypdf import PdfReader

    permit_id = make_permit(holder, state="revoked")
    login(client, holder)
    response = client.get(f"/logos/{permit_id}/permit.pdf")
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "取り消されました" in text and "使用を直ちに中止" in text


def test_no_pdf_before_approval(client, holder, make_permit):
    permit_id = make_permit(holder)
    login(client, holder)
    assert client.get(f"/logos/{permit_id}/permit.pdf").status_code == 404


def test_the_permit_pdf_fits_one_page_and_renders(app, client, holder, make_permit, tmp_path):
    require_or_skip(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    from pypdf import PdfReader

    permit_id = make_permit(holder, state="approved")
    login(client, holder)
    pdf = client.get(f"/logos/{permit_id}/permit.pdf").data
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    (tmp_path / "permit.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(tmp_path / "permit.pdf"), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))


def test_doctor_reports_missing_logo_files(app, tmp_path):
    from portal.logos.variants import check_artwork

    with app.app_context():
        ok, message = check_artwork()
        assert ok and "placeholder" in message
        app.config["LOGO_ARTWORK_FOLDER"] = str(tmp_path)
        try:
            ok, message = check_artwork()
        finally:
            app.config["LOGO_ARTWORK_FOLDER"] = ""
        assert not ok and "kumamoto-for-sdgs_color-mark.svg" in message
