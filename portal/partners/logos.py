"""Institution logos: PNG or JPEG, checked by content (not by name) and by Pillow, at most
1 MB, stored under UPLOAD_FOLDER with random names and served by a view (never from static)."""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 4000  # on either side: a logo, not a photograph
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)


class LogoRejected(ValueError):
    """A logo that is not accepted; the code is 'empty', 'size', 'type' or 'image'."""


@dataclass(frozen=True)
class StoredLogo:
    stored_name: str
    content_type: str


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "partner-logos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(stream) -> StoredLogo:
    """Check an uploaded logo and keep it; raises LogoRejected before anything is written."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise LogoRejected("empty")
    if len(data) > MAX_BYTES:
        raise LogoRejected("size")
    found = next(((kind, fmt) for magic, kind, fmt in SIGNATURES if data.startswith(magic)), None)
    if found is None:
        raise LogoRejected("type")
    content_type, expected_format = found
    _check_image(data, expected_format)
    stored_name = secrets.token_hex(16)
    (folder() / stored_name).write_bytes(data)
    return StoredLogo(stored_name, content_type)


def _check_image(data: bytes, expected_format: str) -> None:
    """The bytes really are an image of the format their first bytes claim, of a sane size."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected_format or max(image.size) > MAX_PIXELS:
                raise LogoRejected("image")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, LogoRejected):
            raise
        raise LogoRejected("image") from None


def path_of(stored_name: str) -> Path:
    if not stored_name.isalnum():  # names are ours (hex); never a path from outside
        raise FileNotFoundError(stored_name)
    return folder() / stored_name


def remove(stored_name: str | None) -> None:
    """Forget a logo file that is no longer used (after the change was committed)."""
    if stored_name:
        try:
            path_of(stored_name).unlink(missing_ok=True)
        except FileNotFoundError:
            pass
