"""Row sets bound as parameters, so that one statement covers a whole batch on SQLite and PostgreSQL alike.

A batch travels as a few parameters, never as thousands of placeholders that the driver rewrites one by
one: one JSON array read by json_each on SQLite, one array per column unnested on PostgreSQL. Bound
values also keep the planner honest: PostgreSQL counts the elements of an array, whereas a freshly filled
table whose statistics are stale looks empty to it.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY

INTEGER, TEXT, DATE = "INTEGER", "TEXT", "DATE"
_PG_ARRAY = {INTEGER: "BIGINT[]", TEXT: "TEXT[]", DATE: "DATE[]"}


def in_ids(dialect: str, column: str, param: str) -> str:
    """`column` is one of the ids bound as `param` (see `ids_param`)."""
    if dialect == "postgresql":
        return f"{column} = ANY(CAST(:{param} AS BIGINT[]))"
    return f"{column} IN (SELECT value FROM json_each(:{param}))"


def ids_param(dialect: str, ids: Iterable[int]) -> Any:
    """The value to bind for `in_ids`."""
    values = [int(i) for i in ids]
    return values if dialect == "postgresql" else json.dumps(values)


def among_ids(dialect: str, column: ColumnElement[Any], ids: Iterable[int]) -> ColumnElement[bool]:
    """`in_ids` for a query built with SQLAlchemy: `column` is one of `ids`, bound as one parameter."""
    bound = ids_param(dialect, ids)
    if dialect == "postgresql":
        return column == any_(bindparam(None, bound, type_=ARRAY(BigInteger)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(None, bound))))


@dataclass(frozen=True)
class RowSet:
    """A table computed outside the statement, for its FROM clause as `name`; dates travel as ISO text on SQLite."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (column, INTEGER | TEXT | DATE)
    rows: Sequence[tuple[Any, ...]]

    def sql(self, dialect: str) -> str:
        if dialect == "postgresql":
            arrays = ", ".join(f"CAST(:{self.name}_{column} AS {_PG_ARRAY[kind]})" for column, kind in self.columns)
            return f"unnest({arrays}) AS {self.name}({', '.join(column for column, _ in self.columns)})"
        fields = ", ".join(f"json_extract(value, '$[{i}]') AS {column}" for i, (column, _) in enumerate(self.columns))
        # Materialized: read from the JSON once, not once per row of the table it is joined to.
        return (
            f"(WITH {self.name}_rows AS MATERIALIZED (SELECT {fields} FROM json_each(:{self.name})) "
            f"SELECT * FROM {self.name}_rows) AS {self.name}"
        )

    def params(self, dialect: str) -> dict[str, Any]:
        if dialect == "postgresql":
            return {
                f"{self.name}_{column}": [row[i] for row in self.rows] for i, (column, _) in enumerate(self.columns)
            }
        return {self.name: json.dumps(list(self.rows), default=_iso_date)}


def _iso_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be bound in a row set")
