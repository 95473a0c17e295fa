"""Institution logos: PNG or JPEG, checked by content (not by name) and by Pillow, at most
1 MB, stored under UPLOAD_FOLDER with random names and served by a view (never from static)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from portal.applications import files

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 4000  # on either side: a logo, not a photograph
SUBFOLDER = "partner-logos"
# The content types a logo may have, and the format Pillow must then find.
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


class LogoRejected(ValueError):
    """A logo that is not accepted; the code is 'empty', 'size', 'type' or 'image'."""


@dataclass(frozen=True)
class StoredLogo:
    stored_name: str
    content_type: str


def store(stream) -> StoredLogo:
    """Check an uploaded logo and keep it (the attachments' checks, then Pillow's); raises
    LogoRejected before anything is written."""
    try:
        stored = files.store(stream, max_bytes=MAX_BYTES, accept=FORMATS, subfolder=SUBFOLDER, check=_check_image)
    except files.FileRejected as error:
        raise LogoRejected(str(error)) from None
    return StoredLogo(stored.stored_name, stored.content_type)


def _check_image(data: bytes, content_type: str) -> None:
    """The bytes really are an image of the format their first bytes claim, of a sane size.

    Opening reads the header only: the size it claims is checked before anything decodes the
    pixels, so a small file claiming 20000×20000 (a decompression bomb) is refused cheaply.
    Pillow's own bomb guard (an error, or a warning made an error) is the same refusal."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=[FORMATS[content_type]]) as image:
            if max(image.size) > MAX_PIXELS:  # so at most 16 million pixels
                raise LogoRejected("image")
            image.verify()
    except LogoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise LogoRejected("image") from None


def path_of(stored_name: str) -> Path:
    return files.path_of(stored_name, SUBFOLDER)


def remove(stored_name: str | None) -> None:
    """Forget a logo file that is no longer used (after the change was committed)."""
    if stored_name:
        try:
            path_of(stored_name).unlink(missing_ok=True)
        except FileNotFoundError:
            pass
