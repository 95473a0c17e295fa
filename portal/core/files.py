"""Stored files (certificates, attachments, logos, seals, ceremony prints…) sent after the view's
permission check, by the app or by the front server.

Every view that answers with a file kept on disk calls `send_stored` once it has decided the
user may have it. With `FILE_SENDING = "app"` (the default) the worker sends the bytes itself,
exactly as `flask.send_file` does. Behind nginx (`"x-accel-redirect"`) or Apache mod_xsendfile /
lighttpd (`"x-sendfile"`) the worker answers with the same headers, an empty body and one more
header naming the file; the front server sends the file (sendfile(2), ranges, conditional
requests) while the worker is already free for the next request. A repeat certificate download
then costs about as much as `/healthz`: the session, the permission check, the name of the file.

Only files under UPLOAD_FOLDER (resolved, symbolic links followed) are handed over: the front
server is configured with that one folder (an `internal` location for nginx, `XSendFilePath`
for Apache), so a file elsewhere (the registration mark and logo artwork shipped with the code,
a LOGO_ARTWORK_FOLDER outside the uploads) is still sent by the app, whatever the setting. The
nginx URI is built from the file's path relative to that folder, percent-encoded, never from
anything a request carried.

Headers nginx does not copy from an X-Accel-Redirect answer (ETag, Last-Modified, Vary and the
security headers) are either made again by nginx from the file or repeated by its `add_header`
lines: docs/deployment.md has the configuration.
"""
from __future__ import annotations

import functools
import os
import stat
import time
import unicodedata
import zlib
from urllib.parse import quote

from flask import Response, abort, current_app, request, send_file

APP = "app"
ACCEL = "x-accel-redirect"
SENDFILE = "x-sendfile"
MODES = (APP, ACCEL, SENDFILE)
# The answer's header for each front-server mode.
HEADERS = {ACCEL: "X-Accel-Redirect", SENDFILE: "X-Sendfile"}


def check_settings(config) -> None:
    """At start-up: a mistyped FILE_SENDING would silently keep the workers sending files."""
    mode = config["FILE_SENDING"]
    if mode not in MODES:
        raise RuntimeError(f"FILE_SENDING={mode!r} is not one of {', '.join(MODES)}")
    prefix = config["FILE_ACCEL_PREFIX"]
    if mode == ACCEL and not (prefix.startswith("/") and prefix.endswith("/") and len(prefix) > 1):
        raise RuntimeError(f"FILE_ACCEL_PREFIX={prefix!r} must be a location such as /_protected/ "
                           "(starting and ending with /)")


def send_stored(path: str | os.PathLike, *, mimetype: str, download_name: str | None = None,
                as_attachment: bool = False, etag: bool | str = True, max_age: int | None = 0,
                private: bool = True, conditional: bool = True) -> Response:
    """The answer with the file at `path`, the permission check done. The arguments are
    `flask.send_file`'s; `private` adds `Cache-Control: private` (a signed-in user's file).
    A missing file is a 404 (logged: a stored file should not go missing)."""
    real = os.path.realpath(path)
    try:
        found = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        found = None
    if found is None or not stat.S_ISREG(found.st_mode):
        current_app.logger.error("stored file missing: %s", path)
        abort(404)
    header, value = front_server_header(real)
    if header is None:
        response = send_file(real, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name,
                             etag=etag, max_age=max_age, conditional=conditional)
    else:
        response = _handed_over(real, found, mimetype=mimetype, as_attachment=as_attachment,
                                download_name=download_name, etag=etag, max_age=max_age)
        response.headers[header] = value
        if conditional:
            # The browser's copy is still good: 304 from here, nothing for the front server to
            # send. Ranges are the front server's to answer (the body here is empty).
            response = response.make_conditional(request.environ, accept_ranges=False)
            if response.status_code in (304, 412):
                del response.headers[header]
    if private:
        response.cache_control.private = True
    return response


def front_server_header(real: str) -> tuple[str | None, str | None]:
    """(header, value) that hands the file at `real` (an absolute path, symbolic links
    resolved) to the front server, or (None, None) when the app sends it: the setting says so,
    the file is outside UPLOAD_FOLDER, or its path cannot travel in a header."""
    mode = current_app.config["FILE_SENDING"]
    if mode == APP:
        return None, None
    root = upload_root(current_app.config["UPLOAD_FOLDER"])
    if not real.startswith(root + os.sep):
        return None, None
    if mode == ACCEL:
        relative = real[len(root) + 1:].replace(os.sep, "/")
        return HEADERS[ACCEL], current_app.config["FILE_ACCEL_PREFIX"] + quote(relative, safe="/")
    if not real.isascii() or not real.isprintable():
        return None, None  # a header value is Latin-1 text on one line; mod_xsendfile reads it raw
    return HEADERS[SENDFILE], real


@functools.lru_cache(maxsize=8)
def upload_root(folder: str) -> str:
    """UPLOAD_FOLDER as the front server sees it: absolute, symbolic links resolved (once per
    process: the folder is a mount, not something that moves while the app runs)."""
    return os.path.realpath(folder).rstrip(os.sep) or os.sep


def _handed_over(real: str, found: os.stat_result, *, mimetype: str, as_attachment: bool, download_name: str | None,
                 etag: bool | str, max_age: int | None) -> Response:
    """An empty answer with the headers `flask.send_file` gives the same file (the tests compare
    them), built without opening it."""
    response = current_app.response_class(b"", mimetype=mimetype, direct_passthrough=True)
    name = download_name if download_name is not None else os.path.basename(real)
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        # As werkzeug: an ASCII stand-in, and the real name as RFC 5987 `filename*`.
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        names = {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    else:
        names = {"filename": name}
    response.headers.set("Content-Disposition", "attachment" if as_attachment else "inline", **names)
    response.last_modified = found.st_mtime
    response.cache_control.no_cache = True
    if max_age is not None:
        if max_age > 0:
            response.cache_control.no_cache = None
            response.cache_control.public = True
        response.cache_control.max_age = max_age
        response.expires = int(time.time() + max_age)
    if isinstance(etag, str):
        response.set_etag(etag)
    elif etag:
        response.set_etag(f"{found.st_mtime}-{found.st_size}-{zlib.adler32(real.encode()) & 0xFFFFFFFF}")
    return response
