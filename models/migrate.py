"""Bringing a database to the newest schema with Alembic, from the CLI or the tests."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from models.database import make_engine

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
# APScheduler keeps its job store in the same database and creates that table itself.
FOREIGN_TABLE_PREFIXES = ("apscheduler_",)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave tables that other libraries own out of migrations and schema comparisons."""
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES))


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(connection), "head")


@contextmanager
def fresh_database(url: str, *, prefix: str = "sanshe") -> Iterator[Engine]:
    """A new, migrated database that is dropped afterwards: a SQLite file, or a PostgreSQL schema of its own.

    `url` is "sqlite" (a temporary file) or a PostgreSQL database URL; raises
    sqlalchemy.exc.OperationalError when PostgreSQL does not answer.
    """
    if url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/{prefix}.db")
            with engine.begin() as connection:
                upgrade_database(connection)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except BaseException:
        admin.dispose()
        raise
    engine = make_engine(url, connect_args={"options": f"-c search_path={schema}"})
    try:
        with engine.begin() as connection:
            upgrade_database(connection)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
