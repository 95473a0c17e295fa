"""SQL time per page, in-process, and the plans of the statements behind it.

    .venv/bin/python bench/sql_time.py --database-url sqlite:////tmp/bench/1k.db --seed 1000 5000 100
    .venv/bin/python bench/sql_time.py --database-url sqlite:////tmp/bench/1k.db --plans 2 --only directory
    .venv/bin/python bench/sql_time.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_sql_10k --seed 10000 50000 1000

With `--seed` the database is created (PostgreSQL: it must not exist yet; it is kept afterwards),
migrated and seeded with bench/fixture.py; without it, an existing seeded database is brought up
to the latest migration. Each page is requested once to warm up, then `--repeat` times with the
Flask test client (the public pages' cache off, and the kept pages — the KPI report's — emptied
before each request, so that every request makes its page); for each request the time of every SQL statement is summed
(the database's work and the driver's, not the template's: on PostgreSQL from SQLAlchemy's
before_cursor_execute to after_cursor_execute, psycopg having the whole result by then; on
SQLite the time spent in the cursor, fetches included, as its execute returns with the first
row). Prints per page the median and the least of those sums (the least is the steadier
figure on a busy machine), the least time of its counts (`SELECT count(…)`, the part a cache of
totals would save), its number of statements and its two slowest; `--plans`
also prints the plan (SQLite: EXPLAIN QUERY PLAN, PostgreSQL: EXPLAIN ANALYZE) of each page's
slowest statements. bench/README.md "Query plans" reports what this measured.
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import decision  # noqa: E402
import run  # noqa: E402

# (key, path, user): the pages whose SQL grows with the register, and some of their variants.
PAGES = (
    ("directory q=株式会社 page 3", "/registrants?" + urlencode({"q": "株式会社", "page": 3}), "reviewer"),
    ("directory page 1", "/registrants", "reviewer"),
    ("directory last page", "/registrants?page=LAST", "reviewer"),
    ("directory goal=14", "/registrants?goal=14", "reviewer"),
    ("directory cohort=3 page 2", "/registrants?cohort=3&page=2", "reviewer"),
    ("review queue (default)", "/staff/review/", "reviewer"),
    ("review queue, all states", "/staff/review/?state=", "reviewer"),
    ("review queue, mine (its tab)", "/staff/review/?cohort=CURRENT&state=actionable&sort=-submitted&reviewer=mine",
     "reviewer"),
    ("review queue, in city, by name", "/staff/review/?state=&where=in_city&sort=name&page=2", "reviewer"),
    ("KPI report", "/staff/kpi/", "secretariat"),
)


def _summary(statement: str) -> str:
    """What a statement reads, in a word or two: "count registrations", "page applications", "users"."""
    words = statement.split()
    found = re.search(r"\bFROM (\w+)", statement)
    table = found.group(1) if found else "?"
    kind = "count " if words[1].startswith("count(") else "page " if "LIMIT" in words else ""
    return kind + table


class _Timing:
    """The statements of a request, each with the time spent on it: [seconds, statement,
    parameters]. The statement being run is `current` (its cursor adds its fetches to it)."""

    def __init__(self):
        self.entries: list[list] = []
        self.current: list | None = None


TIMING = _Timing()


class TimedCursor(sqlite3.Cursor):
    """A sqlite3 cursor that adds the time spent in it to the statement it runs, fetches
    included: sqlite3's execute returns with the first row, and a plan that streams its rows
    (an index walked in order, no sort) does the rest of its work while they are fetched."""

    def _timed(self, method, *args):
        started = time.perf_counter()
        try:
            return method(*args)
        finally:
            if self._entry is not None:
                self._entry[0] += time.perf_counter() - started

    def execute(self, *args):
        self._entry = TIMING.current
        return self._timed(super().execute, *args)

    def executemany(self, *args):
        self._entry = TIMING.current
        return self._timed(super().executemany, *args)

    def fetchone(self):
        return self._timed(super().fetchone)

    def fetchmany(self, *args):
        return self._timed(super().fetchmany, *args)

    def fetchall(self):
        return self._timed(super().fetchall)

    _entry = None


class TimedConnection(sqlite3.Connection):
    def cursor(self, factory=TimedCursor):
        return super().cursor(factory)


def make_app(url: str, folder: Path):
    """bench/run.py's app, its SQLite connections made with TimedConnection."""
    from portal import create_app
    from portal.config import engine_options

    options = engine_options(url)
    if url.startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "factory": TimedConnection}
    os.environ["PORTAL_INSTANCE_PATH"] = str(folder / "instance")
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options, "SECRET_KEY": "bench",
        "PORTAL_BASE_URL": "https://sdgs.example.jp", "MAIL_SERVER": "", "MAIL_FOLDER": str(folder / "mail"),
        "UPLOAD_FOLDER": str(folder / "uploads"), "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_PAGE_CACHE_SECONDS": 0, "LOG_LEVEL": "WARNING",
    })


def measure(app, users: dict[str, int], repeat: int, plans: int, only: str = "") -> None:
    from sqlalchemy import event

    from portal.accounts.models import User
    from portal.core import page_cache
    from portal.core.extensions import db
    from portal.core.i18n import today_jst
    from portal.directory.queries import PER_PAGE, count_listed
    from portal.review.queue import current_cohort

    with app.app_context():
        engine = db.engine
        last = max(1, -(-count_listed(today_jst()) // PER_PAGE))
        current = current_cohort().id
        sessions = {role: db.session.get(User, user_id).get_id() for role, user_id in users.items()}
    sqlite = engine.dialect.name == "sqlite"
    timings = TIMING.entries
    started: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        TIMING.current = [0.0, statement, parameters]
        timings.append(TIMING.current)
        started.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        # psycopg has the whole result once execute returns; SQLite's cursor times itself.
        elapsed = time.perf_counter() - started.pop()
        if not sqlite:
            TIMING.current[0] += elapsed

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    slowest: dict[str, list[list]] = {}
    try:
        for key, path, user in PAGES:
            if only not in key:
                continue
            path = path.replace("LAST", str(last)).replace("CURRENT", str(current))
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = sessions[user]
                session["_fresh"] = True
            client.get(path).close()
            totals, counts, counting = [], [], []
            for _ in range(repeat):
                with app.app_context():
                    page_cache.clear()  # a kept page (the KPI report) is made again
                timings.clear()
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                response.close()
                totals.append(sum(t for t, _, _ in timings) * 1000)
                counting.append(sum(t for t, statement, _ in timings if _summary(statement).startswith("count")) * 1000)
                counts.append(len(timings))
            slowest[key] = sorted(timings, key=lambda t: -t[0])[:max(plans, 2)]
            print(f"{key:34} SQL median {statistics.median(totals):6.2f} ms, min {min(totals):6.2f} ms "
                  f"(counts: min {min(counting):5.2f} ms), {counts[-1]:2d} statements; slowest: "
                  + "; ".join(f"{t * 1000:.2f} {_summary(statement)}" for t, statement, _ in slowest[key][:2]))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    if plans:
        with app.app_context():
            connection = db.session.connection()
            explain = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
            for key, statements in slowest.items():
                for seconds, statement, parameters in statements:
                    print(f"\n--- {key}: {seconds * 1000:.2f} ms\n{statement}\n{parameters}")
                    for row in connection.exec_driver_sql(explain + statement, parameters):
                        print("   ", " | ".join(str(value) for value in row))
            db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", nargs=3, type=int, metavar=("REGISTRANTS", "APPLICATIONS", "DECISION"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument("--plans", type=int, default=0, metavar="N",
                        help="print the plans of each page's N slowest statements")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.core.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="sql_time_"))
    if args.seed:
        decision.create_database(args.database_url)
        database, seeded = run.migrate_and_seed("", args.database_url, folder, *args.seed)
        run.dispose(seeded)
        print(f"seeded in {database.seed_seconds:.0f} s")
    app = make_app(args.database_url, folder)
    with app.app_context():
        upgrade()
    with app.app_context():  # the fixture's first reviewer and secretariat user
        users = {role: db.session.scalar(select(User.id).where(User.email == f"bench-{role}1@example.jp"))
                 for role in ("reviewer", "secretariat")}
    measure(app, users, args.repeat, args.plans, args.only)
    run.dispose(app)


if __name__ == "__main__":
    main()
