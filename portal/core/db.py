"""Database conventions: typed declarative base, constraint names, UTC timestamps; what the
query planners are told (a hint, fresh statistics)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.functions import FunctionElement

# Named constraints keep Alembic migrations (and SQLite batch mode) deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def str_enum(enum_cls, length: int = 32) -> Enum:
    """A Python StrEnum stored as its value in a plain VARCHAR (no native database enum,
    so adding a state is a code change, not a type migration)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class unindexed(FunctionElement):
    """`column` as a condition may read it, but not by an index: "+column" on SQLite (a no-op
    that its planner cannot use an index for), the column itself elsewhere. For a query that
    walks another index in its own order and stops after a page: SQLite's planner, which guesses
    a range's size without statistics, would otherwise read every row in the range and sort
    them all. PostgreSQL's planner knows the sizes and needs no such hint."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column):
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)


def analyze(session) -> None:
    """ANALYZE, and commit: after a bulk import, so that the query planner reads the tables' new
    sizes and spreads. SQLite never gathers statistics by itself, and PostgreSQL's autovacuum
    only a while later; until then each plans for the tables as they were (or as guessed)."""
    session.execute(text("ANALYZE"))
    session.commit()
