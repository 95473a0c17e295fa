"""The migrations produce exactly the models' schema, on SQLite and on PostgreSQL."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support import require_or_skip
from portal import create_app
from portal.core.extensions import db


def _differences(url: str) -> list:
    from flask_migrate import downgrade, upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        downgrade(revision="base")  # and the way back works
        with db.engine.connect() as connection:
            left = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert left == set(), f"downgrade left tables {left}"
    return differences


def test_sqlite(tmp_path):
    assert _differences(f"sqlite:///{tmp_path / 'migrations.db'}") == []


@pytest.mark.postgres
def test_postgresql(worker_id):
    url = os.environ.get("TEST_DATABASE_URL")
    require_or_skip(bool(url), "TEST_DATABASE_URL is not set (no PostgreSQL)")
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_migrations_{worker_id}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        assert _differences(base.set(database=name).render_as_string(hide_password=False)) == []
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_notices_filed_under_the_old_rules_are_accepted(tmp_path):
    """The old rules applied a notice when it was filed: 0013 makes such notices accepted (two
    of them for one registration included), so none waits and the one-waiting index holds."""
    from flask_migrate import upgrade
    from sqlalchemy.exc import IntegrityError

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'notices.db'}", "TESTING": True})
    insert = text("INSERT INTO change_notices (registration_id, filed_at, changes, state) "
                  "VALUES (1, '2024-05-01 00:00:00', '{}', :state)")
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as connection:  # SQLite does not enforce the foreign key here
            for state in ("filed", "filed", "acknowledged", "review_requested"):
                connection.execute(insert, {"state": state})
        upgrade()
        with db.engine.begin() as connection:
            states = connection.execute(text("SELECT state FROM change_notices ORDER BY id")).scalars().all()
            assert states == ["accepted", "accepted", "accepted", "returned"]
            connection.execute(insert, {"state": "filed"})
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(insert, {"state": "filed"})
        db.engine.dispose()
