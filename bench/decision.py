"""Benchmark of the cohort decision (決定): how long `decide_cohort` takes for a closed cohort of
N applications recommended for approval, and how many SQL statements it sends.

    python bench/decision.py [--applications 1000] [--database-url URL] [--members 1] [--keep]

Without --database-url the database is a SQLite file in a temporary folder. With a PostgreSQL
URL (postgresql+psycopg://postgres@127.0.0.1:5432/bench_decision) the database named in it
is created for the run and dropped afterwards; the script refuses to touch a database that
already exists. The schema always comes from the migrations (flask_migrate.upgrade).

The fixture is written in bulk, straight into the tables (users, organisations, memberships,
applications in state recommended_approval, their revision 1): this is a benchmark fixture,
not a way to make applications. Only `decide_cohort` itself is timed and its statements
counted (SQLAlchemy's before_cursor_execute: one per cursor execution, an executemany
counting once per batch the driver is given); the commit is timed separately. The mails the
decision queues stay in the outbox (they are counted, not delivered).

Prints: applications, registrations created, seconds, queries, mails queued (and the commit
time and a check that the numbers are gapless).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JST = timezone(timedelta(hours=9))
COHORT_NUMBER = 5


# --- the database --------------------------------------------------------------------------

def _postgres_admin(url):
    """An AUTOCOMMIT engine on the server's maintenance database, and the benchmark's database name."""
    from sqlalchemy import create_engine

    name = url.database
    if not name:
        raise SystemExit("the PostgreSQL URL must name the database to create, e.g. …/bench_decision")
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT"), name


def create_database(url_text: str) -> str:
    """Create the PostgreSQL database the URL names (it must not exist yet); SQLite needs nothing."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        return url_text
    admin, name = _postgres_admin(url)
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                raise SystemExit(f"database {name!r} already exists: choose another name (this script "
                                 "creates its database and drops it afterwards)")
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url_text


def drop_database(url_text: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        return
    admin, name = _postgres_admin(url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


# --- the fixture ---------------------------------------------------------------------------

def _content(index: int) -> dict:
    """A complete application, as the steps store it (see tests/applications/conftest.py)."""
    from portal.applications.checklist import load_checklist
    from portal.applications.content import DECLARATIONS

    checklist = load_checklist("1")
    actions = [{"area": area, "description": f"{area} の取組（{index}）: 地域の若者を採用し、資格取得を支援する。",
                "goals": [goal], "targets": [f"{goal}.1"], "indicator": "県内出身の新卒採用数", "unit": "人",
                "current_value": "1", "target_value": "2"}
               for area, goal in (("economy", 8), ("society", 5), ("environment", 13))]
    return {
        "vision": "2030年には、地域の資源を生かしたものづくりで、熊本で最も信頼される会社になる。" * 3,
        "actions": actions,
        "checklist": {"version": "1", "basic": [i.id for i in checklist.basic],
                      "challenge": [i.id for i in checklist.challenge[:5]]},
        "declarations": {key: True for key in DECLARATIONS},
        "partners": {"institutions": [], "consent": False},
    }


def _organisation(index: int) -> dict:
    return {
        "kind": "group", "corporate_number": None, "name": f"ベンチマーク団体{index:05d}",
        "name_kana": f"ベンチマークダンタイ{index:05d}", "representative_title": "代表",
        "representative_name": "熊本 花子", "postal_code": "8600806", "address": "熊本県熊本市中央区花畑町1-1",
        "municipality_code": "43101", "in_city": True, "location_mismatch": False, "industry": "E",
        "employees": 10, "capital": None, "website": None, "contact_name": "担当 次郎",
        "contact_department": None, "contact_phone": "096-000-0000",
        "contact_email": f"contact{index:05d}@example.jp",
    }


def build_cohort(applications: int, members: int, seed: int = 7) -> tuple[int, int]:
    """A closed cohort with `applications` applications recommended for approval, each of its
    own organisation with `members` members. Returns (cohort id, secretariat user id)."""
    from sqlalchemy import insert

    from portal.accounts.models import User
    from portal.applications.models import Application, ApplicationRevision
    from portal.cohorts.models import Cohort
    from portal.core.db import utcnow
    from portal.core.extensions import db
    from portal.organisations.models import Membership, Organisation

    now = utcnow()
    rng = random.Random(seed)

    def returning(model, rows):
        if not rows:
            return []
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(db.session.scalars(statement, rows))

    [reviewer_id, secretariat_id] = returning(User, [
        {"email": "bench-reviewer@example.jp", "name": "審査 一郎", "role": "reviewer", "locale": "ja",
         "active": True, "email_verified_at": now, "created_at": now},
        {"email": "bench-secretariat@example.jp", "name": "事務局 花子", "role": "secretariat", "locale": "ja",
         "active": True, "email_verified_at": now, "created_at": now},
    ])
    [cohort_id] = returning(Cohort, [{
        "number": COHORT_NUMBER, "state": "closed", "opens_at": now - timedelta(days=40),
        "closes_at": now - timedelta(days=10), "checklist_version": "1", "created_at": now}])

    organisations = [_organisation(i) for i in range(applications)]
    organisation_ids = returning(Organisation, [{**o, "created_at": now, "updated_at": now} for o in organisations])
    user_ids = returning(User, [
        {"email": f"member{i:05d}-{m}@example.jp", "name": f"申請 {i}-{m}", "role": "applicant",
         "locale": "ja" if (i + m) % 5 else "en", "active": True, "email_verified_at": now, "created_at": now}
        for i in range(applications) for m in range(members)])
    db.session.execute(insert(Membership), [
        {"organisation_id": organisation_ids[i], "user_id": user_ids[i * members + m], "is_owner": m == 0,
         "created_at": now}
        for i in range(applications) for m in range(members)])

    # Submitted in an order unlike the order of creation: the decision numbers by submission.
    submitted = [now - timedelta(days=11, seconds=rng.randrange(20 * 24 * 3600)) for _ in range(applications)]
    contents = [_content(i) for i in range(applications)]
    application_ids = returning(Application, [
        {"organisation_id": organisation_ids[i], "cohort_id": cohort_id, "kind": "new",
         "state": "recommended_approval", "content": contents[i], "revision_count": 1,
         "submitted_at": submitted[i], "created_by_id": user_ids[i * members], "reviewer_id": reviewer_id,
         "created_at": submitted[i], "updated_at": now, "version": 4}
        for i in range(applications)])
    db.session.execute(insert(ApplicationRevision), [
        {"application_id": application_ids[i], "number": 1, "submitted_at": submitted[i],
         "submitted_by_id": user_ids[i * members],
         "content": {**contents[i], "kind": "new", "cohort": COHORT_NUMBER, "checklist_version": "1",
                     "profile": {**organisations[i], "in_prefecture": True}, "attachments": []}}
        for i in range(applications)])
    db.session.commit()
    return cohort_id, secretariat_id


# --- the measurement -----------------------------------------------------------------------

def measure(app, cohort_id: int, secretariat_id: int, decided_on: date) -> dict:
    from flask import g
    from sqlalchemy import event, func, select

    from portal.accounts.models import User
    from portal.cohorts.models import Cohort
    from portal.cohorts.operations import decide_cohort
    from portal.core.extensions import db
    from portal.core.outbox import OutboxMail
    from portal.registrations.models import Registration

    with app.test_request_context():
        cohort = db.session.get(Cohort, cohort_id)
        secretariat = db.session.get(User, secretariat_id)
        engine = db.engine
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            started = time.perf_counter()
            result = decide_cohort(cohort, decided_on, secretariat)
            decided = time.perf_counter()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        db.session.commit()
        committed = time.perf_counter()
        # The mails stay in the outbox: nothing is delivered when this context ends.
        queued = len(g.pop("queued_mail_ids", []))

        numbers = list(db.session.scalars(select(Registration.sequence).where(Registration.cohort_id == cohort_id)
                                          .order_by(Registration.sequence)))
        return {
            "registered": result.registered,
            "seconds": decided - started,
            "commit_seconds": committed - decided,
            "queries": len(statements),
            "mails_queued": queued,
            "outbox_rows": db.session.scalar(select(func.count()).select_from(OutboxMail)),
            "gapless": numbers == list(range(1, len(numbers) + 1)),
            "statements": statements,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=1000, help="applications in the cohort (default 1000)")
    parser.add_argument("--members", type=int, default=1, help="members (mail recipients) per organisation (default 1)")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose database this run creates and drops "
                                               "(default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (and print where it is)")
    parser.add_argument("--show-queries", action="store_true", help="print the statements decide_cohort sent")
    args = parser.parse_args(argv)
    if args.applications < 1 or args.members < 1:
        parser.error("--applications and --members must be 1 or more")

    folder = Path(tempfile.mkdtemp(prefix="bench-decision-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    os.environ["PORTAL_INSTANCE_PATH"] = str(folder / "instance")
    app = None
    created = False
    try:
        create_database(url)
        created = True
        from flask_migrate import upgrade

        from portal import create_app
        from portal.core.extensions import db

        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PORTAL_BASE_URL": "https://sdgs.example.jp",
            "MAIL_SERVER": "", "MAIL_FOLDER": str(folder / "mail"), "UPLOAD_FOLDER": str(folder / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
        })
        with app.app_context():
            started = time.perf_counter()
            upgrade()
            migrated = time.perf_counter()
            cohort_id, secretariat_id = build_cohort(args.applications, args.members)
            built = time.perf_counter()
        figures = measure(app, cohort_id, secretariat_id, datetime.now(JST).date())

        with app.app_context():
            backend = db.engine.url.get_backend_name()
            version = db.session.connection().dialect.server_version_info
        if args.show_queries:
            for statement in figures["statements"]:
                print("  " + " ".join(statement.split())[:160])
        print(f"database:              {backend} {'.'.join(map(str, version or ()))}")
        print(f"fixture:               schema {migrated - started:.1f} s, {args.applications} applications "
              f"({args.members} member(s) each) {built - migrated:.1f} s")
        print(f"applications:          {args.applications}")
        print(f"registrations created: {figures['registered']}")
        print(f"seconds:               {figures['seconds']:.3f}  (decide_cohort; commit {figures['commit_seconds']:.3f} s)")
        print(f"queries:               {figures['queries']}")
        print(f"mails queued:          {figures['mails_queued']}  (outbox rows: {figures['outbox_rows']})")
        print(f"numbers gapless:       {'yes' if figures['gapless'] else 'NO'}")
        ok = (figures["registered"] == args.applications and figures["gapless"]
              and figures["mails_queued"] == args.applications * args.members)
        return 0 if ok else 1
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if args.keep and created:
            print(f"kept: {url} (folder {folder})")
        else:
            if created:
                drop_database(url)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
