"""The prefecture's registration mark (登録マーク) that registrants may show while registered.

Until the prefecture hands over its artwork, the files in portal/certificates/mark/ are a
clearly marked placeholder (drawn by tools/certificate_artwork.py). The official files replace
them under the same names — in that folder, or in REGISTRATION_MARK_FOLDER — like the city's
logo files; the certificate prints the PNG, and its hash is part of what makes a stored
certificate current, so new artwork gives new certificates.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

DEFAULT_FOLDER = Path(__file__).resolve().parent / "mark"
STEM = "kumamoto-sdgs-registration-mark"
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}

RULES = (
    _l("Show the mark only while your registration is active, and only for your own organisation, which is "
       "registered."),
    _l("Show the mark with your organisation's name or registration number, so that people can check your "
       "registration on the verification page."),
    _l("Do not change the mark's shape, colours or proportions: use the files as supplied (enlarging or reducing "
       "them evenly is allowed)."),
    _l("Do not use the mark on products or in a way that suggests that Kumamoto Prefecture certifies, "
       "recommends or guarantees a product, a service or your creditworthiness."),
    _l("Stop using the mark when your registration ends (expiry, withdrawal or revocation)."),
)


def folder() -> Path:
    return Path(current_app.config.get("REGISTRATION_MARK_FOLDER") or DEFAULT_FOLDER)


def path(fmt: str) -> Path:
    """The mark's file in `fmt` ('svg' or 'png'); KeyError for another format."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    return folder() / f"{STEM}.{fmt}"


def file_name(fmt: str) -> str:
    return f"{STEM}.{fmt}"


# (path, modification time, size) → hash: every certificate download asks for the hash (it is
# part of the certificate's data); the file is read again only when it is replaced.
_png_hashes: dict[tuple[str, int, int], str] = {}


def png_sha256() -> str | None:
    """The hash of the PNG the certificate prints (None when it is missing)."""
    png = path("png")
    try:
        found = png.stat()
        key = (str(png), found.st_mtime_ns, found.st_size)
        if key not in _png_hashes:
            _png_hashes.clear()  # one mark at a time: an earlier file's hash is not asked again
            _png_hashes[key] = hashlib.sha256(png.read_bytes()).hexdigest()
        return _png_hashes[key]
    except FileNotFoundError:
        return None


def check_mark() -> tuple[bool, str]:
    """`flask doctor`: the mark's SVG and PNG are where downloads and the certificate look."""
    missing = [file_name(fmt) for fmt in FORMATS if not path(fmt).is_file()]
    if missing:
        return False, f"registration mark files missing in {folder()}: {', '.join(missing)} (see the README)"
    return True, f"registration mark files present in {folder()}"
