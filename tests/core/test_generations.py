"""Data generations (portal.core.generations): every kind of write bumps the areas of its table in
its own transaction — ORM flushes, bulk statements through the session, Core statements on the
session's connection, text SQL — and a rolled-back write bumps nothing. Areas are separate: a
draft being edited does not touch the public register's number."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, text, update

from portal.core import generations
from portal.core.extensions import db
from portal.core.generations import ACCOUNTS, CERTIFICATES, KPI, REGISTER, REVIEW, STAFF, Generation
from portal.kpi.models import KpiTarget
from portal.organisations.models import Organisation

AREAS = (REGISTER, REVIEW, KPI, STAFF)


def _numbers(app) -> dict[str, int]:
    with app.app_context():
        found = dict(db.session.execute(select(Generation.area, Generation.value)).all())
        db.session.remove()
    return {area: found.get(area, 0) for area in AREAS}


def _bumped(before: dict[str, int], after: dict[str, int]) -> set[str]:
    assert all(after[area] in (before[area], before[area] + 1) for area in AREAS), (before, after)
    return {area for area in AREAS if after[area] != before[area]}


@pytest.fixture
def organisation_id(make_user, make_organisation):
    return make_organisation(make_user())


def _write(app, action) -> None:
    with app.test_request_context():
        action()
        db.session.commit()


WRITES = {
    "orm": lambda oid: setattr(db.session.get(Organisation, oid), "name", "株式会社改名"),
    "bulk_update": lambda oid: db.session.execute(
        update(Organisation).where(Organisation.id == oid).values(name="株式会社一括")),
    "core_on_connection": lambda oid: db.session.connection().execute(
        Organisation.__table__.update().where(Organisation.__table__.c.id == oid).values(name="株式会社直接")),
    "driver_sql": lambda oid: db.session.connection().exec_driver_sql(
        "UPDATE organisations SET name = 'x' WHERE id = %d" % oid),
    "text": lambda oid: db.session.execute(
        text("UPDATE organisations SET name = :name WHERE id = :id"), {"name": "株式会社文", "id": oid}),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_every_kind_of_write_to_a_table_bumps_its_areas(app, organisation_id, kind):
    before = _numbers(app)
    _write(app, lambda: WRITES[kind](organisation_id))
    # Organisations are read by the register, the review queue, the KPI report and staff pages.
    assert _bumped(before, _numbers(app)) == {REGISTER, REVIEW, KPI, STAFF}


def test_a_write_outside_any_session_bumps_too(app, organisation_id):
    """`engine.begin()` (a script, a maintenance command): the bump rides on its COMMIT."""
    before = _numbers(app)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE organisations SET name = '株式会社外' WHERE id = :id"), {"id": organisation_id})
    assert _bumped(before, _numbers(app)) == {REGISTER, REVIEW, KPI, STAFF}


def test_migrations_bump_nothing(app):
    """Their connection turns it off (migrations/env.py): before 0023 there is no table to bump."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execution_options(portal_generations=False)
        connection.execute(text("UPDATE organisations SET name = name"))
        before = _numbers(app)
    assert _numbers(app) == before


def test_bulk_insert_and_delete_bump_once_per_transaction(app):
    before = _numbers(app)
    _write(app, lambda: db.session.execute(insert(KpiTarget), [
        {"fiscal_year": 2031 + n, "value": 900 + n, "source": "計画"} for n in range(3)]))
    middle = _numbers(app)
    assert _bumped(before, middle) == {KPI, STAFF}  # not the register, not the review queue
    _write(app, lambda: db.session.execute(delete(KpiTarget).where(KpiTarget.fiscal_year >= 2031)))
    assert _bumped(middle, _numbers(app)) == {KPI, STAFF}


def test_a_rolled_back_write_bumps_nothing(app, organisation_id):
    before = _numbers(app)
    with app.test_request_context():
        db.session.get(Organisation, organisation_id).name = "取り消される名前"
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # nothing left to commit: no generation moves either
    assert _bumped(before, _numbers(app)) == set()
    # The next transaction on the same pooled connection starts with nothing noted.
    with app.test_request_context():
        db.session.execute(select(Organisation.id)).all()
        db.session.commit()
    assert _bumped(before, _numbers(app)) == set()


def test_reading_bumps_nothing_and_quiet_tables_bump_nothing(app):
    from portal.core.outbox import OutboxMail

    before = _numbers(app)
    _write(app, lambda: db.session.execute(select(Organisation)).all())
    _write(app, lambda: db.session.execute(delete(OutboxMail)))
    assert _bumped(before, _numbers(app)) == set()


def test_areas_of_tables():
    assert generations.areas_of({"applications"}) == {REVIEW, STAFF}
    assert generations.areas_of({"registration_goals"}) == {REGISTER, KPI, STAFF}
    assert generations.areas_of({"outbox_mails", "error_events"}) == set()
    assert generations.areas_of({"inquiries"}) == {STAFF}
    # A version of a registration's details opened (a move accepted) moves where the KPI counts it.
    assert generations.areas_of({"registration_details"}) == {KPI, CERTIFICATES, STAFF}
    assert generations.areas_of({"certificate_issuer"}) == {CERTIFICATES, STAFF}
    # The signed-in user each request loads, kept by each worker (portal.accounts.sessions).
    assert generations.areas_of({"memberships"}) == {ACCOUNTS, STAFF}
    assert generations.areas_of({"users"}) == {REVIEW, ACCOUNTS, STAFF}


def test_the_generations_are_read_once_per_request(app):
    from support import counted

    with app.test_request_context(), counted(app) as statements:
        first = generations.current(REGISTER, KPI)
        again = generations.current(REVIEW, REGISTER)
        assert again[1] == first[0]
    assert len([s for s in statements if "generations" in s]) == 1


@pytest.mark.postgres
def test_writes_committed_at_the_same_moment_each_bump_once(app, make_user, make_organisation):
    """On PostgreSQL: two transactions writing organisations commit together; the row lock of the
    upsert orders their bumps, so neither is lost (a lost bump would leave a stale page kept)."""
    import threading

    from support import require_or_skip

    require_or_skip(app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"), "needs PostgreSQL")
    ids = [make_organisation(make_user(), kind="group", corporate_number=None) for _ in range(2)]
    for round_ in range(3):
        before = _numbers(app)
        barrier = threading.Barrier(2, timeout=30)
        failures = []

        def run(index):
            try:
                with app.test_request_context():
                    db.session.get(Organisation, ids[index]).name = f"同時{round_}-{index}"
                    db.session.flush()
                    barrier.wait()
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        after = _numbers(app)
        assert all(after[area] == before[area] + 2 for area in AREAS), (before, after)
