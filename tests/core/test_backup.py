"""`flask backup` / `flask restore`: a round trip gives back every row of every table and every
uploaded file; a damaged or foreign archive changes nothing; PostgreSQL is pg_dump's."""
from __future__ import annotations

import io
import json
import shutil
import tarfile

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.core.extensions import db
from support import require_or_skip


def _portal_app(folder):
    return create_app({
        "TESTING": True, "SECRET_KEY": "backup-test", "PORTAL_BASE_URL": "http://portal.test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'portal.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"), "MAIL_FOLDER": str(folder / "mail"),
    })


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A portal's folder (SQLite file and uploads), seeded once for the module: the demo data,
    an error kept for the system page, a KPI target and uploaded files, some binary."""
    folder = tmp_path_factory.mktemp("seeded")
    app = _portal_app(folder)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from portal.core.observability import ErrorEvent
        from portal.kpi.models import KpiTarget

        db.session.add(ErrorEvent(request_id="r1", method="GET", path="/", error_type="E", message="m"))
        db.session.add(KpiTarget(fiscal_year=2030, value=1200))
        db.session.commit()
        db.engine.dispose()
    for relative, content in {"attachments/ab/12ab.pdf": b"%PDF-1.4\n\x00\xff binary",
                              "logos/mockup-1.png": bytes(range(256)),
                              "certificates/KS03-0001.pdf": b"%PDF-1.7 certificate"}.items():
        (folder / "uploads" / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / "uploads" / relative).write_bytes(content)
    return folder


@pytest.fixture
def portal(seeded, tmp_path):
    """A copy of the seeded portal in tmp_path, for one test to change."""
    shutil.copy(seeded / "portal.db", tmp_path / "portal.db")
    shutil.copytree(seeded / "uploads", tmp_path / "uploads")
    app = _portal_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def _tables(app) -> dict[str, list[tuple]]:
    """Every row of every table (and the migration revision), in primary-key order."""
    with app.app_context():
        with db.engine.connect() as connection:
            rows = {table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                    for table in db.metadata.sorted_tables}
            rows["alembic_version"] = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        db.engine.dispose()
    return rows


def _files(folder) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_backup_restored_gives_back_every_row_of_every_table_and_every_file(portal, tmp_path):
    runner = portal.test_cli_runner()
    before, files_before = _tables(portal), _files(tmp_path / "uploads")
    assert sum(1 for rows in before.values() if rows) >= 25  # the comparison below is not of empty tables
    archive = tmp_path / "backups" / "portal.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "migration 00" in result.output
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items() if name != "alembic_version"}
    assert manifest["files"] == len(files_before) >= 3  # the demo's (a change notice's document) and the test's

    # Afterwards, things change: rows go, rows come, a file is replaced, another added.
    with portal.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM registration_goals"))
            connection.execute(text("DELETE FROM outbox_mails"))
            connection.execute(text("UPDATE organisations SET name = 'changed'"))
        db.engine.dispose()
    (tmp_path / "uploads" / "logos" / "mockup-1.png").write_bytes(b"overwritten")
    (tmp_path / "uploads" / "attachments" / "new.pdf").write_bytes(b"new")
    assert _tables(portal) != before

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert _tables(portal) == before
    assert _files(tmp_path / "uploads") == files_before
    # The files it replaced are kept aside, not deleted.
    [aside] = tmp_path.glob("uploads.before-restore-*")
    assert (aside / "attachments" / "new.pdf").read_bytes() == b"new"
    # The portal serves from the restored database.
    client = portal.test_client()
    assert client.get("/healthz").status_code == 200
    assert "KS01-0001" in client.get("/registrants?q=KS01-0001").get_data(as_text=True)


def test_a_backup_is_consistent_while_the_portal_writes(portal, tmp_path):
    """The online backup API copies a consistent state even with a write transaction open."""
    with portal.app_context():
        engine = db.engine
        connection = engine.connect()
        transaction = connection.begin()
        connection.execute(text("UPDATE organisations SET name = 'half-written'"))
        result = portal.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.tar.gz")])
        transaction.rollback()
        connection.close()
    assert result.exit_code == 0, result.output
    with tarfile.open(tmp_path / "b.tar.gz") as opened:
        opened.extract("database.sqlite3", tmp_path / "x", filter="data")
    import sqlite3

    copy = sqlite3.connect(tmp_path / "x" / "database.sqlite3")
    assert copy.execute("SELECT count(*) FROM organisations WHERE name = 'half-written'").fetchone() == (0,)
    copy.close()


def _archive(path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _manifest(**changes) -> bytes:
    """A complete manifest (of a files-only backup unless changed)."""
    manifest = {"format": 1, "created_at": "2026-01-05T03:00:00+00:00", "portal_version": "1.0.0",
                "migration": ["0001"], "database": None, "tables": {}, "files": 0, **changes}
    return json.dumps(manifest).encode()


def _assert_refused(portal, folder, source, message) -> None:
    """`flask restore` refuses `source` with `message`, and nothing changed or moved aside."""
    before, files_before = _tables(portal), _files(folder / "uploads")
    result = portal.test_cli_runner().invoke(args=["restore", str(source), "--yes"])
    assert result.exit_code != 0
    assert message in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a plain refusal, not a crash
    assert "Traceback" not in result.output
    assert _tables(portal) == before and _files(folder / "uploads") == files_before
    assert not list(folder.glob("*.before-restore-*"))


@pytest.mark.parametrize("members, message", [
    (None, "is not a portal backup"),
    ({"notes.txt": b"hello"}, "no readable manifest.json"),
    ({"manifest.json": b"[1, 2]"}, "manifest.json is not an object"),
    ({"manifest.json": b'{"format": 99}'}, "backup format 99"),
    ({"manifest.json": _manifest(migration=["9999"], portal_version="9.0")}, "does not know"),
    ({"manifest.json": _manifest(database="sqlite"), "database.sqlite3": b"not a database"}, "damaged"),
    ({"manifest.json": _manifest(), "../escape.txt": b"x"}, "not a portal backup"),
    # The archive does not hold what its manifest says.
    ({"manifest.json": _manifest(database="sqlite"), "uploads/a.pdf": b"%PDF"},
     "its manifest names a database but there is no database.sqlite3 file"),
    ({"manifest.json": _manifest(), "database.sqlite3": b"SQLite format 3"},
     "it holds database.sqlite3 but its manifest names no database"),
    ({"manifest.json": _manifest(), "uploads": b"a file, not a folder"}, "uploads is not a folder"),
    ({"manifest.json": _manifest(), "notes.txt": b"hello"}, "it holds notes.txt, which a portal backup does not"),
])
def test_a_bad_archive_is_refused_and_nothing_changes(portal, tmp_path, members, message):
    source = tmp_path / "bad.tar.gz"
    if members is None:
        source.write_bytes(b"this is not a tar file")
    else:
        _archive(source, members)
    _assert_refused(portal, tmp_path, source, message)
    assert not (tmp_path / "escape.txt").exists()


def test_uploads_holding_a_link_are_refused(portal, tmp_path):
    source = tmp_path / "link.tar.gz"
    with tarfile.open(source, "w:gz") as archive:
        for name, data in {"manifest.json": _manifest(files=1), "uploads/a.pdf": b"%PDF"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("uploads/b.pdf")
        link.type, link.linkname = tarfile.SYMTYPE, "a.pdf"
        archive.addfile(link)
    _assert_refused(portal, tmp_path, source, "uploads holds links or special files (uploads/b.pdf)")


def _rewritten(archive, target, change) -> None:
    """A copy of the backup `archive` whose manifest `change(manifest)` altered."""
    with tarfile.open(archive) as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data) if data is not None else None)


@pytest.fixture
def real_backup(portal, tmp_path):
    """A backup of the portal made by `flask backup`."""
    archive = tmp_path / "backups" / "portal.tar.gz"
    result = portal.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    return archive


@pytest.mark.parametrize("key", ["format", "created_at", "portal_version", "migration", "database", "tables",
                                 "files"])
def test_a_backup_whose_manifest_lacks_a_key_is_refused_before_anything_moves(portal, tmp_path, real_backup, key):
    """It used to move the live uploads aside and then crash on the missing key."""
    source = tmp_path / "lacking.tar.gz"
    _rewritten(real_backup, source, lambda manifest: manifest.pop(key))
    (tmp_path / "uploads" / "attachments" / "after-the-backup.pdf").write_bytes(b"%PDF new")
    message = "backup format None" if key == "format" else f"its manifest.json lacks {key}"
    _assert_refused(portal, tmp_path, source, message)


@pytest.mark.parametrize("key, value, message", [
    ("format", "1", "backup format '1'"),
    ("format", True, "format should be a whole number, not True"),
    ("created_at", 20260105, "created_at should be a date and time, not 20260105"),
    ("created_at", "yesterday", "created_at should be a date and time, not 'yesterday'"),
    ("portal_version", 1.0, "portal_version should be a version text, not 1.0"),
    ("migration", "0011", "migration should be a list of migration revisions, not '0011'"),
    ("migration", [11], "migration should be a list of migration revisions, not [11]"),
    ("database", "postgresql", "database should be \"sqlite\" or null, not 'postgresql'"),
    ("tables", [], "tables should be a mapping of table names to row counts, not []"),
    ("tables", {"users": "6"}, "tables should be a mapping of table names to row counts"),
    ("tables", {"users": -1}, "tables should be a mapping of table names to row counts"),
    ("files", "3", "files should be a whole number, not '3'"),
    ("files", None, "files should be a whole number, not None"),
    ("migration", ["0001"], "the archive's database is at migration 00"),  # not what the database says
])
def test_a_backup_whose_manifest_is_wrong_is_refused(portal, tmp_path, real_backup, key, value, message):
    source = tmp_path / "wrong.tar.gz"
    _rewritten(real_backup, source, lambda manifest: manifest.update({key: value}))
    _assert_refused(portal, tmp_path, source, message)


def test_restore_refuses_with_a_backup_error_and_no_exception_of_another_kind(portal, tmp_path, real_backup):
    from portal.core.backup import BackupError, restore

    source = tmp_path / "lacking.tar.gz"
    _rewritten(real_backup, source, lambda manifest: manifest.pop("created_at"))
    with portal.app_context(), pytest.raises(BackupError, match="lacks created_at"):
        restore(source)
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_restore_asks_before_replacing(portal, tmp_path):
    archive = tmp_path / "b.tar.gz"
    runner = portal.test_cli_runner()
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert not list(tmp_path.glob("uploads.before-restore-*"))


@pytest.mark.postgres
def test_on_postgresql_the_database_is_left_to_pg_dump_and_the_files_are_saved(app, runner, tmp_path):
    require_or_skip(app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"), "needs PostgreSQL")
    result = runner.invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "b.tar.gz").exists()
    result = runner.invoke(args=["backup", "--files-only", str(tmp_path / "files.tar.gz")])
    assert result.exit_code == 0, result.output
    with tarfile.open(tmp_path / "files.tar.gz") as opened:
        names = opened.getnames()
        manifest = json.load(opened.extractfile("manifest.json"))
    assert "database.sqlite3" not in names and manifest["database"] is None
