"""INSERT … ON CONFLICT DO NOTHING for tables whose unique keys make a write idempotent (claims, notices)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

PG_PAGE_ROWS = 10


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *returning: Any
) -> list[Any]:
    """Rows whose unique key exists already are skipped (SQLite and PostgreSQL alike); returns the rows inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        # psycopg converts placeholders in Python and caches only short statements: short pages are faster.
        statement = statement.execution_options(insertmanyvalues_page_size=PG_PAGE_ROWS)
    if returning:
        return list(session.execute(statement.returning(*returning), list(rows)).all())
    session.execute(statement, list(rows))
    return []
