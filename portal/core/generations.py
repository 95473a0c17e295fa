"""Data generations: a number per area of the portal, bumped by every write that changes what
the area shows, in the same transaction as the write.

A page kept in the cache (`portal.core.page_cache`) is filed under the generations of the areas
it shows; the next request after a write reads the new numbers, misses, and makes the page
again. The numbers live in the database (table `generations`), so every worker of every server
sees a write the moment it is committed, and a rolled-back write bumps nothing.

Nobody calls `bump` by hand. Every INSERT, UPDATE and DELETE that reaches the database — an ORM
flush, a bulk `session.execute(update(...))`, a Core statement on any connection, even
`text("UPDATE …")` or `exec_driver_sql` — passes SQLAlchemy's `before_execute` event (or, for
the last, `before_cursor_execute`), which notes its table on the
connection; when the transaction commits (a session's or `engine.begin()`'s), the areas of the
tables noted are bumped in one statement, just before the COMMIT. Migrations bump nothing
(migrations/env.py turns it off on their connection). A feature that starts writing to a new table adds the table to the areas
whose pages read it (`AREAS`), and nothing else.

Areas are separate so that a busy part does not clear a quiet one: an applicant editing a draft
writes `applications` and `application_revisions`, which the public register does not read (a
registrant's published plan is the content of its approved application, written once, with the
registration that the approval inserts).
"""
from __future__ import annotations

import re
import weakref

from flask import g, has_request_context
from sqlalchemy import BigInteger, String, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from portal.core.extensions import db

# What each area's pages read. "register": the public directory, the registrant pages and the
# open data; "review": the review queue; "kpi": the city's KPI report; "contacts": the footer of
# every page; "accounts": the signed-in person each request loads (portal.accounts.sessions keeps
# a copy per worker while it holds); "certificates": what a certificate download needs (kept by
# portal.registrations.documents); "staff": pages that gather from everywhere (the review desk,
# the やること panels), bumped by a write to any table but those in QUIET.
REGISTER, REVIEW, KPI, STAFF, CONTACTS = "register", "review", "kpi", "staff", "contacts"
ACCOUNTS, CERTIFICATES = "accounts", "certificates"
AREAS: dict[str, frozenset[str]] = {
    REGISTER: frozenset({"registrations", "registration_goals", "organisations", "cohorts"}),
    REVIEW: frozenset({"applications", "organisations", "users", "cohorts"}),
    # …and each registration's dated versions of its details: where it counts on a day.
    KPI: frozenset({"registrations", "registration_goals", "registration_details", "organisations", "cohorts",
                    "kpi_targets"}),
    CONTACTS: frozenset({"contact_blocks"}),  # the offices' addresses in every page's footer
    ACCOUNTS: frozenset({"users", "memberships"}),  # a user's row and the membership loaded with it
    # What a registration's certificate (登録証) shows: its details, cohort and issuer.
    CERTIFICATES: frozenset({"registrations", "registration_details", "organisations", "cohorts",
                             "certificate_issuer"}),
}
# Writes no page shows: the mail queue as it is sent, the error log.
QUIET = frozenset({"outbox_mails", "outbox_attachments", "error_events"})

TABLE = "generations"
_TOUCHED = "portal.generations.touched"  # on Connection.info: the tables written in this transaction
_DML = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


class Generation(db.Model):
    __tablename__ = TABLE

    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_READ = select(Generation.__table__.c.area, Generation.__table__.c.value)


def areas_of(tables) -> set[str]:
    """The areas that a write to `tables` changes."""
    found = {area for area, read in AREAS.items() if read & set(tables)}
    if set(tables) - QUIET - {TABLE}:
        found.add(STAFF)
    return found


def current(*areas: str) -> tuple[int, ...]:
    """The generations of `areas`, in that order; read once per request (one statement for all
    areas) so that a page and the pieces it caches agree."""
    if has_request_context() and "generations" in g:
        values = g.generations
    else:
        # On the session's connection (its transaction), but as Core: the ORM's result machinery
        # would cost more than the statement.
        values = dict(db.session.connection().execute(_READ).all())
        if has_request_context():
            g.generations = values
    return tuple(values.get(area, 0) for area in areas)


def forget() -> None:
    """Read the generations again on the next `current` (after this request wrote)."""
    if has_request_context():
        g.pop("generations", None)


# --- noting writes and bumping at commit ---------------------------------------------------------

def _table_of(statement) -> str | None:
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        return getattr(table, "name", None)
    if isinstance(statement, (TextClause, str)):
        match = _DML.match(statement if isinstance(statement, str) else statement.text)
        return match.group(1).lower() if match else None
    return None


def _note(conn, statement) -> None:
    table = _table_of(statement)
    if table and table != TABLE:
        conn.info.setdefault(_TOUCHED, set()).add(table)


@event.listens_for(Engine, "before_execute")
def _note_write(conn, clauseelement, multiparams, params, execution_options):
    _note(conn, clauseelement)


@event.listens_for(Engine, "before_cursor_execute")
def _note_driver_write(conn, cursor, statement, parameters, context, executemany):
    """`exec_driver_sql` passes no before_execute: its SQL string is read here (a compiled
    statement was noted above)."""
    if context is not None and context.compiled is None:
        _note(conn, statement)


@event.listens_for(Engine, "begin")
def _fresh_transaction(conn):
    conn.info.pop(_TOUCHED, None)  # Connection.info outlives the transaction (it is the pool's)


@event.listens_for(Engine, "rollback")
def _rolled_back(conn):
    conn.info.pop(_TOUCHED, None)


@event.listens_for(Engine, "commit")
def _bump_at_commit(conn):
    """Just before the COMMIT of any transaction — a session's, `engine.begin()`'s — that wrote:
    the bump is part of what it commits, or of nothing."""
    touched = conn.info.pop(_TOUCHED, None)
    if touched and conn.get_execution_options().get("portal_generations", True) and _has_table(conn):
        bump(conn, areas_of(touched))


_ready: weakref.WeakSet = weakref.WeakSet()  # engines whose database has the table


def _has_table(conn) -> bool:
    """Whether the database has the generations table: always, once migrated; a database left at
    an older migration (a test of that migration, a half-done upgrade) has nothing to bump."""
    if conn.engine in _ready:
        return True
    if inspect(conn).has_table(TABLE):
        _ready.add(conn.engine)
        return True
    return False


def bump(connection, areas) -> None:
    """Add one to each of `areas` (creating the row on first use), on `connection`, in its
    transaction. Sorted, so that two transactions lock the rows in the same order."""
    if not areas:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    rows = [{"area": area, "value": 1} for area in sorted(areas)]
    statement = insert(Generation).values(rows)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[Generation.area], set_={"value": Generation.value + 1}))
    forget()
