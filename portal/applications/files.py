"""Attachment files: type checked by content (not by name), size-limited, stored outside
static under random names, read back only through a permission-checked view."""
from __future__ import annotations

import hashlib
import secrets
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


def folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(stream) -> StoredFile:
    """Check and store an uploaded stream; raises FileRejected before anything is kept."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise FileRejected("empty")
    if len(data) > MAX_BYTES:
        raise FileRejected("size")
    content_type = next((kind for magic, kind, _ in SIGNATURES if data.startswith(magic)), None)
    if content_type is None:
        raise FileRejected("type")
    stored_name = secrets.token_hex(16)
    (folder() / stored_name).write_bytes(data)
    return StoredFile(stored_name, content_type, len(data), hashlib.sha256(data).hexdigest())


def path_of(stored_name: str) -> Path:
    if not stored_name.isalnum():  # names are ours (hex); never a path from outside
        raise FileNotFoundError(stored_name)
    return folder() / stored_name
