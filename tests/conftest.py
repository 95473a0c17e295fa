"""Shared fixtures: an app on SQLite (or PostgreSQL with TEST_DATABASE_URL), a client,
builders for users and organisations, and the mails the portal sent.

In CI (CI=true) nothing may be skipped for a missing dependency: `require_or_skip` fails instead.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.core import page_cache
from portal.core.extensions import db, limiter
from support import (IN_CI, ORGANISATION, PASSWORD, SmtpServer, csrf_token, free_port, link_in, login,  # noqa: F401
                     login_with_form, require_or_skip)



class BufferedClient(FlaskClient):
    """Reads each answer whole and closes it, as a WSGI server does, so that what runs when an
    answer is closed (the mails a request queued) has run when the call returns."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def pytest_sessionstart(session):
    """Before any test runs (once, in the process that starts the workers): the database
    TEST_DATABASE_URL names is created if the server answers and it does not exist yet; a server
    that does not answer stops the run with one line saying so, instead of an error per test."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or hasattr(session.config, "workerinput"):
        return
    from sqlalchemy.exc import OperationalError

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url)
    if not base.drivername.startswith("postgresql") or not base.database:
        pytest.exit(f"TEST_DATABASE_URL must name a PostgreSQL database (postgresql://USER@HOST:PORT/NAME), not {url}",
                    returncode=4)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base.database}):
                connection.execute(text(f'CREATE DATABASE "{base.database}"'))
                print(f"\nCreated the test database {base.database!r} (TEST_DATABASE_URL).")
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        pytest.exit(f"TEST_DATABASE_URL={url}: PostgreSQL does not answer ({reason}). Start it, or unset "
                    "TEST_DATABASE_URL to run on SQLite alone.", returncode=4)
    finally:
        admin.dispose()


def _database_url(tmp_root: Path, worker: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / f'portal-{worker}.db'}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    base = make_url(url)
    name = f"{base.database}_portal_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """pytest-xdist's worker name ("gw0", …), also when xdist is off (`-p no:xdist`)."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


@pytest.fixture(scope="session")
def app(tmp_path_factory, worker_id):
    root = tmp_path_factory.mktemp("portal")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": _database_url(root, worker_id),
        "MAIL_FOLDER": str(root / "mail"),
        "UPLOAD_FOLDER": str(root / "uploads"),
        "PORTAL_BASE_URL": "http://portal.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests read the files they download; tests/core/test_files.py switches this per test.
        "FILE_SENDING": "app",
    }
    app = create_app(config)
    app.test_client_class = BufferedClient
    with app.app_context():
        _fresh_schema(app)
    return app


def _fresh_schema(app) -> None:
    """Drop whatever an earlier run left and build the schema from the migrations."""
    from flask_migrate import upgrade

    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Every test starts with empty tables and fresh rate-limit counters."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        page_cache.clear()  # the generations start again from nothing: so must the pages kept
    limiter.reset()


@pytest.fixture
def second_server(app):
    """Another app instance on the same database and key, with a page cache of its own: a second
    server behind the balancer."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "MAIL_FOLDER", "UPLOAD_FOLDER", "PORTAL_BASE_URL",
        "RATELIMIT_STORAGE_URI")})
    other.test_client_class = BufferedClient
    yield other
    with other.app_context():
        page_cache.clear()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- builders ------------------------------------------------------------------------------

_hash_cache: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # scrypt is slow on purpose; tests hash each distinct password once.
    if password not in _hash_cache:
        from werkzeug.security import generate_password_hash

        _hash_cache[password] = generate_password_hash(password, method="scrypt")
    return _hash_cache[password]


@pytest.fixture
def make_user(app):
    """make_user(role="applicant", email=None, verified=True, partner=None) -> user id."""
    from portal.accounts.models import User
    from portal.core.db import utcnow
    from portal.core.roles import Role

    counter = iter(range(1, 10_000))

    def build(role: str = "applicant", email: str | None = None, verified: bool = True,
              partner: str | None = None, name: str = "試験 太郎", locale: str = "ja") -> int:
        from sqlalchemy import select

        from portal.partners.models import InstitutionKind, PartnerInstitution

        with app.app_context():
            institution = None
            if partner:
                institution = db.session.scalar(select(PartnerInstitution).where(PartnerInstitution.code == partner))
                if institution is None:
                    institution = PartnerInstitution(code=partner, name_ja=partner, name_en=partner,
                                                     kind=InstitutionKind.BANK)
                    db.session.add(institution)
            user = User(email=email or f"{role}{next(counter)}@example.jp", name=name, role=Role(role),
                        locale=locale, partner=institution,
                        email_verified_at=utcnow() if verified else None)
            user.password_hash = _password_hash(PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    return build


@pytest.fixture
def make_organisation(app):
    """make_organisation(owner_id, **fields) -> organisation id, created by the operation."""
    from portal.accounts.models import User
    from portal.organisations import operations
    from portal.organisations.models import OrganisationKind

    def build(owner_id: int, **fields) -> int:
        data = {**ORGANISATION, **fields}
        data["kind"] = OrganisationKind(data["kind"])
        with app.test_request_context():
            organisation = operations.create_organisation(db.session.get(User, owner_id), data)
            db.session.commit()
            return organisation.id

    return build


@pytest.fixture
def mails(app):
    """The mails queued so far, newest last: a list of OutboxMail rows (detached)."""
    from portal.core.outbox import OutboxMail

    def read(to: str | None = None):
        with app.app_context():
            query = db.select(OutboxMail).order_by(OutboxMail.id)
            if to:
                query = query.where(OutboxMail.recipient == to)
            rows = db.session.scalars(query).all()
            db.session.expunge_all()
            return rows

    return read


@pytest.fixture
def smtp(app, monkeypatch):
    """MAIL_SERVER points at 127.0.0.1:<free port>; the server is not started yet."""
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "")
    yield server
    server.stop()
