"""The official seal (公印) image: PNG or SVG, checked by content (never by name or by what the
browser claims), at most 1 MB, stored under UPLOAD_FOLDER with a random name. The certificate
embeds it as a data URI, so WeasyPrint never fetches anything for it."""
from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from portal.applications import files

MAX_BYTES = 1024 * 1024
MAX_PIXELS = 3000
SUBFOLDER = "issuer"
PNG = "image/png"
SVG = "image/svg+xml"
_SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
# An SVG seal is a drawing: no scripts, no event handlers, no links to anything outside it.
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "use", "image", "a", "style"}


class SealRejected(ValueError):
    """A seal image that is not accepted; the code is 'empty', 'size', 'type' or 'image'."""


@dataclass(frozen=True)
class StoredSeal:
    stored_name: str
    content_type: str
    sha256: str


def store(stream) -> StoredSeal:
    """Check an uploaded seal and keep it; raises SealRejected before anything is written."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise SealRejected("empty")
    if len(data) > MAX_BYTES:
        raise SealRejected("size")
    content_type = _kind(data)
    if content_type == PNG:
        _check_png(data)
    else:
        _check_svg(data)
    stored_name = secrets.token_hex(16)
    (files.folder(SUBFOLDER) / stored_name).write_bytes(data)
    return StoredSeal(stored_name, content_type, hashlib.sha256(data).hexdigest())


def _kind(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        return SVG
    raise SealRejected("type")


def _check_png(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if max(image.size) > MAX_PIXELS:
                raise SealRejected("image")
            image.verify()
    except SealRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise SealRejected("image") from None


def _check_svg(data: bytes) -> None:
    # No DTD at all: entities are how XML expands or reaches outside the file.
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise SealRejected("image")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise SealRejected("image") from None
    if root.tag != _SVG_ROOT:
        raise SealRejected("type")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in _FORBIDDEN_TAGS:
            raise SealRejected("image")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            compact = value.replace(" ", "").lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                raise SealRejected("image")
            if any(not ref.startswith("#") for ref in re.findall(r"url\(['\"]?([^)'\"]*)", compact)):
                raise SealRejected("image")


def path_of(stored_name: str) -> Path:
    return files.path_of(stored_name, SUBFOLDER)


def data_uri(stored_name: str, content_type: str) -> str | None:
    """The stored seal as a data: URI for the certificate; None when the file is gone."""
    try:
        data = path_of(stored_name).read_bytes()
    except FileNotFoundError:
        return None
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
