"""Attachment files: type checked by content (not by name), size-limited, stored outside
static under random names, read back only through a permission-checked view."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_APPLICATION = 5

# Leading bytes of the accepted formats; the browser's claim and the file name are ignored.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


class FileRejected(ValueError):
    """An upload that is not accepted; the code is 'type', 'size' or 'empty'."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    content_type: str
    size: int
    sha256: str


def folder(subfolder: str = "attachments") -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / subfolder
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(stream, *, max_bytes: int = MAX_BYTES, accept: Collection[str] | None = None,
          subfolder: str = "attachments", check: Callable[[bytes, str], None] | None = None) -> StoredFile:
    """Check and store an uploaded stream; raises FileRejected before anything is kept.

    `accept` narrows the content types of SIGNATURES; `check(data, content_type)` may look
    deeper (and raise) before the file is written. Other uploads (logos, photos) call this too."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise FileRejected("empty")
    if len(data) > max_bytes:
        raise FileRejected("size")
    content_type = next((kind for magic, kind, _ in SIGNATURES if data.startswith(magic)), None)
    if content_type is None or (accept is not None and content_type not in accept):
        raise FileRejected("type")
    if check is not None:
        check(data, content_type)
    stored_name = secrets.token_hex(16)
    (folder(subfolder) / stored_name).write_bytes(data)
    return StoredFile(stored_name, content_type, len(data), hashlib.sha256(data).hexdigest())


def path_of(stored_name: str, subfolder: str = "attachments") -> Path:
    if not stored_name.isalnum():  # names are ours (hex); never a path from outside
        raise FileNotFoundError(stored_name)
    return folder(subfolder) / stored_name
