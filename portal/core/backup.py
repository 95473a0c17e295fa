"""`flask backup` and `flask restore`: the embedded SQLite database and the uploaded files in
one archive (.tar.gz) with a manifest.

The database is copied with SQLite's online backup API, so a backup is consistent while the
portal keeps serving. PostgreSQL is backed up with its own tools (pg_dump, see the deployment
guide); for it `flask backup --files-only` saves the uploads and the manifest.

Archive layout:
    manifest.json       format, time, portal version, migration revision, row count per table
    database.sqlite3    the database (absent with --files-only)
    uploads/…           UPLOAD_FOLDER as it was
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from portal.core.db import utcnow
from portal.core.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
UPLOADS = "uploads"


class BackupError(Exception):
    """Why a backup or a restore cannot be done; the message is for the operator."""


@dataclass(frozen=True)
class Summary:
    path: Path
    manifest: dict


def sqlite_path() -> Path | None:
    """The database file when the database is SQLite, else None."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def default_output() -> Path:
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Path(current_app.instance_path) / "backups" / f"portal-{stamp}.tar.gz"


def backup(output: Path, files_only: bool = False) -> Summary:
    """Write the archive to `output` (through a temporary file, so a failed backup leaves no
    half-written archive behind)."""
    database = sqlite_path()
    if database is None and not files_only:
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump (see the deployment guide); "
            "`flask backup --files-only` saves the uploaded files"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        manifest = _manifest(files_only, uploads)
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            if not files_only:
                copy = Path(work) / DATABASE
                _sqlite_copy(database, copy)
                archive.add(copy, arcname=DATABASE)
            if uploads.is_dir():
                archive.add(uploads, arcname=UPLOADS)
            data = Path(work) / MANIFEST
            data.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            archive.add(data, arcname=MANIFEST)
        os.replace(partial, output)
    return Summary(output, manifest)


def restore(source: Path) -> Summary:
    """Replace the database (SQLite) and the uploaded files with the archive's. Run it with the
    portal stopped. The whole archive is checked first (manifest, database, uploads folder):
    one that does not hold together is refused before anything changes. The files replaced are
    kept beside the new ones until the operator removes them; a database from an older version
    needs `flask db upgrade` afterwards."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with tempfile.TemporaryDirectory() as work:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work, filter="data")  # refuses absolute paths, .., devices
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{source} is not a portal backup: {error}") from error
        extracted = Path(work)
        manifest = _read_manifest(extracted / MANIFEST, source)
        _check_contents(extracted, manifest, source)
        _check_revision(manifest)
        database = sqlite_path()
        copy = extracted / DATABASE
        if manifest["database"] is not None:
            if database is None:
                raise BackupError("the archive holds a SQLite database but the portal uses PostgreSQL: "
                                  "restore PostgreSQL with pg_restore (see the deployment guide)")
            _check_sqlite(copy, manifest)
        # Everything is checked: from here on, the portal's data is replaced.
        if manifest["database"] is not None:
            db.session.remove()
            db.engine.dispose()  # no pooled connection keeps the old file's state
            _sqlite_copy(copy, database)
            db.engine.dispose()
        _replace_folder(extracted / UPLOADS, Path(current_app.config["UPLOAD_FOLDER"]))
    # The restored data generations are older than the pages kept since: none may be served.
    from portal.core import page_cache

    page_cache.clear()
    return Summary(source, manifest)


# --- parts ---------------------------------------------------------------------------------

def _manifest(files_only: bool, uploads: Path) -> dict:
    from portal import __version__
    from portal.core.diagnostics import migration_state

    current, _heads = migration_state()
    tables = {} if files_only else {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
    files = sum(1 for path in uploads.rglob("*") if path.is_file()) if uploads.is_dir() else 0
    return {
        "format": FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "portal_version": __version__,
        "migration": sorted(current),
        "database": None if files_only else "sqlite",
        "tables": tables,
        "files": files,
    }


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while others read and write the source."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source, timeout=30)) as origin, closing(sqlite3.connect(target, timeout=30)) as copy:
        origin.backup(copy)


def _check_sqlite(path: Path, manifest: dict) -> None:
    """The archive's database is sound and at the migration its manifest names."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict == "ok":
                revisions = sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the archive's database is damaged or not the portal's: {error}") from error
    if verdict != "ok":
        raise BackupError(f"the archive's database is damaged: {verdict}")
    if revisions != sorted(manifest["migration"]):
        raise BackupError(f"the archive's database is at migration {', '.join(revisions) or 'none'} but its "
                          f"manifest says {', '.join(manifest['migration']) or 'none'}: the archive was altered")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _timestamp(value) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


# What a manifest of FORMAT holds: each key, what its value is, and how to tell.
MANIFEST_KEYS = {
    "format": ("a whole number", _whole),
    "created_at": ("a date and time", _timestamp),
    "portal_version": ("a version text", lambda value: isinstance(value, str) and bool(value)),
    "migration": ("a list of migration revisions",
                  lambda value: isinstance(value, list) and all(isinstance(r, str) and r for r in value)),
    "database": ('"sqlite" or null', lambda value: value is None or value == "sqlite"),
    "tables": ("a mapping of table names to row counts",
               lambda value: isinstance(value, dict) and all(_whole(count) for count in value.values())),
    "files": ("a whole number", _whole),
}


def _read_manifest(path: Path, source: Path) -> dict:
    """The manifest, with every key of MANIFEST_KEYS present and of the right kind."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a portal backup (no readable {MANIFEST})") from error
    if not isinstance(manifest, dict):
        raise BackupError(f"{source} is not a portal backup ({MANIFEST} is not an object)")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} has backup format {manifest.get('format')!r}; this portal reads {FORMAT}")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise BackupError(f"{source} is not a complete portal backup: its {MANIFEST} lacks {', '.join(missing)}")
    for key, (kind, valid) in MANIFEST_KEYS.items():
        if not valid(manifest[key]):
            raise BackupError(f"{source} is not a complete portal backup: in its {MANIFEST}, {key} should be "
                              f"{kind}, not {manifest[key]!r}")
    return manifest


def _check_contents(extracted: Path, manifest: dict, source: Path) -> None:
    """The archive holds what its manifest says, and nothing else: the database file when the
    manifest names one (and none otherwise), and an uploads folder of plain folders and files."""
    def refuse(problem: str):
        raise BackupError(f"{source} is not a complete portal backup: {problem}")

    unexpected = sorted(path.name for path in extracted.iterdir() if path.name not in (MANIFEST, DATABASE, UPLOADS))
    if unexpected:
        refuse(f"it holds {', '.join(unexpected)}, which a portal backup does not")
    copy = extracted / DATABASE
    if manifest["database"] is not None and not (copy.is_file() and not copy.is_symlink()):
        refuse(f"its manifest names a database but there is no {DATABASE} file")
    if manifest["database"] is None and (copy.exists() or copy.is_symlink()):
        refuse(f"it holds {DATABASE} but its manifest names no database")
    uploads = extracted / UPLOADS
    if uploads.is_symlink() or (uploads.exists() and not uploads.is_dir()):
        refuse(f"{UPLOADS} is not a folder")
    if uploads.is_dir():
        odd = [path for path in uploads.rglob("*") if path.is_symlink() or not (path.is_file() or path.is_dir())]
        if odd:
            refuse(f"{UPLOADS} holds links or special files ({odd[0].relative_to(extracted)})")


def _check_revision(manifest: dict) -> None:
    """A backup from a newer portal cannot be restored into this one (its schema is unknown here)."""
    from portal.core.diagnostics import migration_scripts

    scripts = migration_scripts()
    for revision in manifest["migration"]:
        try:
            known = scripts.get_revision(revision) is not None
        except Exception:  # alembic's "no such revision"
            known = False
        if not known:
            raise BackupError(
                f"the backup was made at migration {revision}, which this version of the portal does not "
                f"know: restore it with the version that made it ({manifest['portal_version']})"
            )


def _replace_folder(new: Path, current: Path) -> None:
    """Put the archive's files in place of the current ones; the current ones are moved aside
    (`<folder>.before-restore-<time>`), never deleted."""
    if current.exists():
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        current.rename(current.with_name(f"{current.name}.before-restore-{stamp}"))
    if new.is_dir():
        current.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(new), str(current))
    else:
        current.mkdir(parents=True, exist_ok=True)
