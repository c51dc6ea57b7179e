"""Bringing a database to the newest schema with Alembic, from the CLI or the tests."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

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
