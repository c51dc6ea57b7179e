"""Lookups by many values at once (the keys of an imported sheet), asked in slices every backend accepts."""

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Mapped
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")

# Each value of an IN list is one bound parameter: PostgreSQL takes at most 65,535 in one statement, SQLite 32,766.
IN_LIST_SLICE = 10_000


def rows_where_in(
    session: Session, query: SelectOfScalar[T], column: ColumnElement[Any] | Mapped[Any], values: Iterable[Any]
) -> list[T]:
    """The rows of `query` whose `column` is one of `values`; each distinct value is asked once."""
    distinct = list(dict.fromkeys(values))
    found: list[T] = []
    for start in range(0, len(distinct), IN_LIST_SLICE):
        found.extend(session.exec(query.where(column.in_(distinct[start : start + IN_LIST_SLICE]))))
    return found
