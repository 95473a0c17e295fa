"""The registration mark (登録マーク) for registrants: its usage rules and its files, under an
active registration only."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal.certificates import mark
from portal.core.files import send_stored
from portal.core.permissions import access

bp = Blueprint("registration_mark", __name__, url_prefix="/registration-mark")


@bp.get("/")
@access("registration_mark.download")
def index():
    return render_template("certificates/mark.html", rules=mark.RULES)


@bp.get("/<any(svg, png):fmt>")
@access("registration_mark.download")
def download(fmt: str):
    path = mark.path(fmt)
    if not path.is_file():
        current_app.logger.error("registration mark missing: %s", path)
        abort(404)
    return send_stored(path, mimetype=mark.FORMATS[fmt], as_attachment=True, download_name=mark.file_name(fmt))
