"""Stored files handed to the front server (portal.core.files): X-Accel-Redirect for nginx,
X-Sendfile for Apache/lighttpd, the bytes from the app by default — always after the
permission check, with the headers the app would send, and never for a file outside
UPLOAD_FOLDER."""
import hashlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import send_file

from portal import create_app
from portal.config import from_environment
from portal.core import files
from portal.core.files import send_stored
from support import login
from test_permission_matrix import MATRIX, _url, world  # noqa: F401 (world is a fixture)

PREFIX = "/_protected/"
JAPANESE_NAME = "熊本県SDGs登録証_KS07-0001.pdf"


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """An upload folder of this test's own (a certificate is rendered into it on first download)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


@pytest.fixture
def sending(app, monkeypatch):
    """sending("x-accel-redirect") switches FILE_SENDING for the test."""
    def switch(mode: str) -> None:
        monkeypatch.setitem(app.config, "FILE_SENDING", mode)

    return switch


def _stored(folder: Path, name: str = "3f2a9c0d1e", content: bytes = b"%PDF-1.4 stored", sub: str = "attachments"):
    path = folder / sub / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _answer(app, path, **kwargs):
    """send_stored's answer in a request (GET, or with `headers`), read whole."""
    headers = kwargs.pop("headers", {})
    with app.test_request_context("/", headers=headers):
        response = send_stored(path, **{"mimetype": "application/pdf", **kwargs})
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
        return response, body


# --- the certificate, through its view ----------------------------------------------------------

@pytest.fixture
def certificate(app, world):
    """Applicant A's registration certificate (of the permission matrix's world), downloaded
    once by its owner (rendered into the upload folder): its URL, bytes and headers."""
    users, values = world
    client = app.test_client()
    login(client, users["applicant_a"])
    url = _url(app, "registrations.certificate", values)
    first = client.get(url)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    number = first.headers["Content-Disposition"].rsplit("_", 1)[1].removesuffix(".pdf")
    return {"url": url, "bytes": first.data, "headers": first.headers, "client": client, "users": users,
            "number": number, "uploads": Path(app.config["UPLOAD_FOLDER"])}


def test_by_default_the_app_sends_the_certificate_s_bytes(certificate):
    response = certificate["client"].get(certificate["url"])
    assert response.status_code == 200
    assert response.data == certificate["bytes"] and response.data.startswith(b"%PDF")
    assert "X-Accel-Redirect" not in response.headers and "X-Sendfile" not in response.headers


def test_nginx_gets_the_certificate_s_internal_location_and_an_empty_body(certificate, sending):
    sending("x-accel-redirect")
    response = certificate["client"].get(certificate["url"])
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == "0"
    location = response.headers["X-Accel-Redirect"]
    assert location.startswith(f"{PREFIX}certificates/{certificate['number']}-") and location.endswith(".pdf")
    # What nginx's `alias` maps it to is the very file the app sends by default.
    assert (certificate["uploads"] / unquote(location[len(PREFIX):])).read_bytes() == certificate["bytes"]
    # The headers the browser sees are the app's.
    app_sent = certificate["headers"]
    for header in ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified",
                   "X-Content-Type-Options", "Vary"):
        assert response.headers.get(header) == app_sent.get(header), header
    number = certificate["number"]
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=SDGs_{number}.pdf; "
        f"filename*=UTF-8''%E7%86%8A%E6%9C%AC%E7%9C%8CSDGs%E7%99%BB%E9%8C%B2%E8%A8%BC_{number}.pdf")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_apache_gets_the_certificate_s_absolute_path(certificate, sending):
    sending("x-sendfile")
    response = certificate["client"].get(certificate["url"])
    assert response.status_code == 200 and response.data == b""
    path = Path(response.headers["X-Sendfile"])
    assert path.is_absolute() and path == path.resolve()
    assert path.parent == (certificate["uploads"] / "certificates").resolve()
    assert path.read_bytes() == certificate["bytes"]
    assert response.headers["Content-Disposition"] == certificate["headers"]["Content-Disposition"]


def test_the_browser_s_copy_is_still_good_without_asking_the_front_server(certificate, sending):
    sending("x-accel-redirect")
    again = certificate["client"].get(certificate["url"], headers={"If-None-Match": certificate["headers"]["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "X-Accel-Redirect" not in again.headers


@pytest.mark.parametrize("mode", ["x-accel-redirect", "x-sendfile"])
def test_the_permission_is_checked_before_any_file_is_named(app, certificate, sending, mode):
    sending(mode)
    other = app.test_client()
    login(other, certificate["users"]["applicant_b"])  # the owner of another organisation
    refused = other.get(certificate["url"])
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused.headers and "X-Sendfile" not in refused.headers
    anonymous = app.test_client().get(certificate["url"])
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert "X-Accel-Redirect" not in anonymous.headers and "X-Sendfile" not in anonymous.headers
    missing = other.get("/registrations/999999/certificate.pdf")
    assert missing.status_code == 404 and "X-Accel-Redirect" not in missing.headers


def test_a_file_shipped_with_the_code_is_sent_by_the_app(certificate, sending):
    """The registration mark lives next to the code, not in UPLOAD_FOLDER: nginx cannot see it."""
    sending("x-accel-redirect")
    response = certificate["client"].get("/registration-mark/png")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert "X-Accel-Redirect" not in response.headers


# --- send_stored itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"as_attachment": True, "download_name": JAPANESE_NAME},
    {"as_attachment": True, "download_name": "application-7-r2.pdf"},
    {"as_attachment": False},  # inline (the seal image)
    {"as_attachment": True, "download_name": "名簿 (最新).pdf", "max_age": 3600, "private": False, "etag": "abc"},
])
@pytest.mark.parametrize("mode", ["x-accel-redirect", "x-sendfile"])
def test_the_headers_are_those_the_app_sends(app, uploads, sending, mode, kwargs):
    path = _stored(uploads)
    app_sent, body = _answer(app, path, **kwargs)
    assert body == b"%PDF-1.4 stored"
    sending(mode)
    handed, empty = _answer(app, path, **kwargs)
    assert empty == b"" and handed.status_code == 200
    assert files.HEADERS[mode] in handed.headers
    for header in ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified"):
        assert handed.headers.get(header) == app_sent.headers.get(header), header
    if "Expires" in app_sent.headers:
        assert "Expires" in handed.headers


def test_the_same_content_disposition_as_flask_s_send_file(app, uploads, sending):
    path = _stored(uploads)
    with app.test_request_context("/"):
        flask_sent = send_file(path, mimetype="application/pdf", as_attachment=True, download_name=JAPANESE_NAME)
        expected = flask_sent.headers["Content-Disposition"]
        flask_sent.close()
    sending("x-accel-redirect")
    handed, _ = _answer(app, path, as_attachment=True, download_name=JAPANESE_NAME)
    assert handed.headers["Content-Disposition"] == expected
    assert "filename*=UTF-8''%E7%86%8A" in expected


def test_the_internal_uri_is_the_path_under_the_upload_folder_percent_encoded(app, uploads, sending):
    sending("x-accel-redirect")
    path = _stored(uploads, name="証明書 50%?#.pdf", sub="odd names")
    handed, _ = _answer(app, path)
    location = handed.headers["X-Accel-Redirect"]
    assert location == PREFIX + "odd%20names/%E8%A8%BC%E6%98%8E%E6%9B%B8%2050%25%3F%23.pdf"
    assert (uploads / unquote(location[len(PREFIX):])) == path


def test_another_prefix(app, uploads, sending, monkeypatch):
    sending("x-accel-redirect")
    monkeypatch.setitem(app.config, "FILE_ACCEL_PREFIX", "/internal-files/")
    handed, _ = _answer(app, _stored(uploads))
    assert handed.headers["X-Accel-Redirect"] == "/internal-files/attachments/3f2a9c0d1e"


@pytest.mark.parametrize("mode", ["x-accel-redirect", "x-sendfile"])
def test_a_path_outside_the_upload_folder_is_never_handed_over(app, uploads, sending, tmp_path, mode):
    sending(mode)
    outside = tmp_path / "elsewhere" / "secret.pdf"
    outside.parent.mkdir()
    outside.write_bytes(b"%PDF-1.4 outside")
    # A neighbour whose name starts like the upload folder's.
    twin = tmp_path / "uploads-old" / "f.pdf"
    twin.parent.mkdir()
    twin.write_bytes(b"%PDF-1.4 twin")
    # A symbolic link inside the upload folder to a file outside it.
    link = uploads / "attachments" / "link"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    for path, content in ((outside, b"%PDF-1.4 outside"), (twin, b"%PDF-1.4 twin"), (link, b"%PDF-1.4 outside"),
                          (uploads / ".." / "elsewhere" / "secret.pdf", b"%PDF-1.4 outside")):
        response, body = _answer(app, path)
        assert "X-Accel-Redirect" not in response.headers and "X-Sendfile" not in response.headers, path
        assert body == content  # sent by the app, as before


def test_an_upload_folder_reached_through_a_symbolic_link(app, tmp_path, sending, monkeypatch):
    """The front server is told the resolved folder (the docs' `alias`); a link to it is followed."""
    real = tmp_path / "volume"
    real.mkdir()
    (tmp_path / "uploads-link").symlink_to(real)
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads-link"))
    path = _stored(tmp_path / "uploads-link")
    sending("x-accel-redirect")
    handed, _ = _answer(app, path)
    assert handed.headers["X-Accel-Redirect"] == PREFIX + "attachments/3f2a9c0d1e"
    sending("x-sendfile")
    handed, _ = _answer(app, path)
    assert handed.headers["X-Sendfile"] == str(real / "attachments" / "3f2a9c0d1e")


def test_x_sendfile_keeps_a_path_a_header_cannot_carry_in_the_app(app, tmp_path, sending, monkeypatch):
    folder = tmp_path / "アップロード"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    path = _stored(folder)
    sending("x-sendfile")
    response, body = _answer(app, path)
    assert "X-Sendfile" not in response.headers and body == b"%PDF-1.4 stored"
    sending("x-accel-redirect")  # nginx's URI is percent-encoded: the folder's name is not in it
    response, body = _answer(app, path)
    assert response.headers["X-Accel-Redirect"] == PREFIX + "attachments/3f2a9c0d1e" and body == b""


@pytest.mark.parametrize("mode", ["app", "x-accel-redirect"])
def test_a_missing_file_is_not_found(app, uploads, sending, mode):
    from werkzeug.exceptions import NotFound

    sending(mode)
    with app.test_request_context("/"), pytest.raises(NotFound):
        send_stored(uploads / "attachments" / "gone", mimetype="application/pdf")
    (uploads / "attachments").mkdir()
    with app.test_request_context("/"), pytest.raises(NotFound):
        send_stored(uploads / "attachments", mimetype="application/pdf")  # a folder is not a file


def test_a_range_is_the_front_server_s_to_answer(app, uploads, sending):
    sending("x-accel-redirect")
    handed, body = _answer(app, _stored(uploads), headers={"Range": "bytes=0-3"})
    assert handed.status_code == 200 and body == b"" and "X-Accel-Redirect" in handed.headers


# --- every stored file, every download --------------------------------------------------------------

STORED_DOWNLOADS = {
    "registrations.certificate", "registrations.notice_document", "applications.download", "logos.mockup",
    "logos.use_photo", "staff_certificates.seal_image", "staff_certificates.print_pdf", "support_menus.logo",
}


def test_every_stored_file_is_handed_to_nginx_and_no_download_sends_one_itself(app, world, sending):
    """Each persona opens every GET route it may: the stored files go out as X-Accel-Redirect to a
    file under UPLOAD_FOLDER, and no answer's body is a stored file's bytes."""
    users, values = world
    sending("x-accel-redirect")
    root = Path(app.config["UPLOAD_FOLDER"]).resolve()
    handed, bodies = set(), {}
    for persona in ("applicant_a", "secretariat", "city"):
        client = app.test_client()
        login(client, users[persona])
        for endpoint, (method, allowed, _denial) in MATRIX.items():
            if method != "GET" or persona not in allowed:
                continue
            response = client.get(_url(app, endpoint, values))
            location = response.headers.get("X-Accel-Redirect")
            if location:
                assert location.startswith(PREFIX) and response.data == b"", endpoint
                target = (root / unquote(location[len(PREFIX):])).resolve()
                assert target.is_relative_to(root) and target.is_file(), (endpoint, location)
                handed.add(endpoint)
            elif response.status_code == 200 and response.data:
                bodies[(persona, endpoint)] = hashlib.sha256(response.data).hexdigest()
    assert handed == STORED_DOWNLOADS
    stored = {hashlib.sha256(path.read_bytes()).hexdigest() for path in root.rglob("*") if path.is_file()}
    sent_by_app = sorted(key for key, digest in bodies.items() if digest in stored)
    assert not sent_by_app


# --- the settings -----------------------------------------------------------------------------------

def test_the_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("FILE_SENDING", raising=False)
    monkeypatch.delenv("FILE_ACCEL_PREFIX", raising=False)
    config = from_environment(str(tmp_path))
    assert config["FILE_SENDING"] == "app" and config["FILE_ACCEL_PREFIX"] == "/_protected/"
    monkeypatch.setenv("FILE_SENDING", " X-Accel-Redirect ")
    monkeypatch.setenv("FILE_ACCEL_PREFIX", "/internal/")
    config = from_environment(str(tmp_path))
    assert config["FILE_SENDING"] == "x-accel-redirect" and config["FILE_ACCEL_PREFIX"] == "/internal/"


@pytest.mark.parametrize("settings", [
    {"FILE_SENDING": "nginx"},
    {"FILE_SENDING": "x-accel-redirect", "FILE_ACCEL_PREFIX": "_protected"},
    {"FILE_SENDING": "x-accel-redirect", "FILE_ACCEL_PREFIX": "/"},
])
def test_a_mistyped_setting_stops_the_start(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(RuntimeError, match="FILE_"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", **settings})
