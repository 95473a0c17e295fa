"""PDFs embed the IPAex Japanese fonts; a missing font is an error; documents load only the
portal's own static files."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import weasyprint
from flask import current_app
from weasyprint.urls import FatalURLFetchingError

from support import require_or_skip
from portal.core import pdf
from portal.core.pdf import FontMissingError, ForbiddenResource, embedded_fonts, render_pdf


@pytest.fixture(scope="module")
def doctor_pdf(app) -> bytes:
    with app.test_request_context():
        return render_pdf("pdf/doctor.html")


def test_the_pdf_embeds_both_ipaex_fonts(doctor_pdf, tmp_path):
    assert doctor_pdf.startswith(b"%PDF-")
    assert {"IPAexGothic", "IPAexMincho"} <= embedded_fonts(doctor_pdf)

    require_or_skip(shutil.which("pdffonts") is not None, "pdffonts (poppler-utils) is not installed")
    path = tmp_path / "doctor.pdf"
    path.write_bytes(doctor_pdf)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = {}
    for line in output.splitlines()[2:]:  # after the header and the dashes
        columns = line.split()
        # name, type…, encoding, emb, sub, uni, object, generation
        embedded[columns[0].split("+")[-1]] = columns[-5]
    assert embedded.get("IPAexGothic") == "yes", output
    assert embedded.get("IPAexMincho") == "yes", output
    assert all(value == "yes" for value in embedded.values()), output  # no fallback font left out


def test_the_pdf_text_is_japanese(doctor_pdf, tmp_path):
    require_or_skip(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doctor.pdf"
    path.write_bytes(doctor_pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "熊本県SDGs登録制度" in text
    assert "明朝体" in text


# --- a missing font ------------------------------------------------------------------------


def test_a_missing_font_is_an_error_not_a_pdf_of_boxes(app, ctx, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "ipaexg.ttf"
    monkeypatch.setitem(app.config, "PDF_FONT_GOTHIC", str(missing))
    with pytest.raises(FontMissingError) as raised:
        render_pdf("pdf/doctor.html")
    message = str(raised.value)
    assert str(missing) in message
    assert "gothic" in message
    assert "fonts-ipaexfont" in message


def test_flask_doctor_names_a_missing_font(app, runner, monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "ipaexg.ttf"
    monkeypatch.setitem(app.config, "PDF_FONT_GOTHIC", str(missing))
    result = runner.invoke(args=["doctor"])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    problems = [line for line in result.output.splitlines() if line.startswith("PROBLEM")]
    assert any(str(missing) in line and "fonts-ipaexfont" in line and "gothic" in line for line in problems), \
        result.output
    assert "All checks passed." not in result.output


# --- what documents may load ---------------------------------------------------------------


def _render(html: str) -> bytes:
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=pdf._fetcher()).write_pdf()


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
    '<img src="https://example.com/logo.png">',
    '<img src="../portal/config.py">',  # out of static/ by a relative path
    '<p style="background: url(/etc/hostname)">x</p>',
])
def test_documents_may_not_load_files_or_urls_outside_static(ctx, html):
    with pytest.raises(FatalURLFetchingError) as raised:
        _render(html)
    assert isinstance(raised.value.__cause__, ForbiddenResource)


def test_documents_may_load_the_portals_static_files(app, ctx):
    fetcher = pdf._fetcher()
    css = Path(app.static_folder) / "css" / "portal.css"
    response = fetcher.fetch(css.resolve().as_uri())
    assert response.read() == css.read_bytes()

    fetched = []
    fetch = fetcher.fetch
    fetcher.fetch = lambda url, headers=None: fetched.append(url) or fetch(url, headers)
    base_url = Path(app.static_folder).resolve().as_uri() + "/"
    document = weasyprint.HTML(string='<link rel="stylesheet" href="css/portal.css"><p>熊本</p>', base_url=base_url,
                               url_fetcher=fetcher).write_pdf()
    assert document.startswith(b"%PDF-")
    assert fetched == [css.resolve().as_uri()]


def test_a_forbidden_resource_in_a_template_is_an_ordinary_error(app, ctx, monkeypatch, runner):
    """render_pdf turns WeasyPrint's BaseException into the refusal, which callers can catch."""
    monkeypatch.setattr(pdf, "render_template", lambda *args, **kwargs: '<img src="file:///etc/passwd">')
    with pytest.raises(ForbiddenResource):
        render_pdf("pdf/doctor.html")

    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM cannot render PDFs: ForbiddenResource" in result.output
