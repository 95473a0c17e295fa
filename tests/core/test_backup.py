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
    assert manifest["files"] == 3

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


@pytest.mark.parametrize("members, message", [
    (None, "is not a portal backup"),
    ({"notes.txt": b"hello"}, "no readable manifest.json"),
    ({"manifest.json": b'{"format": 99}'}, "backup format 99"),
    ({"manifest.json": b'{"format": 1, "migration": ["9999"], "portal_version": "9.0"}'}, "does not know"),
    ({"manifest.json": b'{"format": 1, "migration": ["0001"]}', "database.sqlite3": b"not a database"},
     "damaged"),
    ({"manifest.json": b'{"format": 1, "migration": ["0001"]}', "../escape.txt": b"x"}, "not a portal backup"),
])
def test_a_bad_archive_is_refused_and_nothing_changes(portal, tmp_path, members, message):
    source = tmp_path / "bad.tar.gz"
    if members is None:
        source.write_bytes(b"this is not a tar file")
    else:
        _archive(source, members)
    before, files_before = _tables(portal), _files(tmp_path / "uploads")
    result = portal.test_cli_runner().invoke(args=["restore", str(source), "--yes"])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert _tables(portal) == before and _files(tmp_path / "uploads") == files_before
    assert not (tmp_path / "escape.txt").exists()


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
