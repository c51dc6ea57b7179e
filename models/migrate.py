"""Bringing a database to the newest schema with Alembic, from the CLI or the tests."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(connection), "head")
