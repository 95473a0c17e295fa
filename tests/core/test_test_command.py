"""The test command for a newcomer: a TEST_DATABASE_URL naming a database that does not exist yet
is created before any test runs, and a server that does not answer stops the run with one line
(not an error per test)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support import require_or_skip

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path, url: str) -> subprocess.CompletedProcess:
    """pytest on one small file of this suite (the health check: it uses the database), in a
    process of its own, with `url`."""
    env = {**os.environ, "TEST_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "tests/core/test_health.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.postgres
def test_a_database_that_does_not_exist_yet_is_created(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    require_or_skip(bool(url), "TEST_DATABASE_URL is not set (no PostgreSQL)")
    name = f"newcomer_{uuid.uuid4().hex[:8]}"
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        result = _run(tmp_path, base.set(database=name).render_as_string(hide_password=False)
                      .replace("postgresql+psycopg://", "postgresql://", 1))
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert f"Created the test database '{name}'" in result.stdout
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) == 1
    finally:
        with admin.connect() as connection:
            for database in connection.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :n"),
                                               {"n": f"{name}%"}).all():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()


def test_a_server_that_does_not_answer_stops_the_run_with_one_line(tmp_path):
    result = _run(tmp_path, "postgresql://postgres@127.0.0.1:1/portal_test")
    assert result.returncode == 4
    output = result.stdout + result.stderr
    # pytest repeats an exit's reason in its summary line: the same sentence, no traceback.
    lines = [line for line in output.splitlines() if "PostgreSQL does not answer" in line]
    assert lines and all("127.0.0.1:1/portal_test" in line and "unset TEST_DATABASE_URL" in line for line in lines)
    assert "Traceback" not in output and "Error" not in output.replace("OperationalError", "")
    assert " passed" not in output and " error" not in output
