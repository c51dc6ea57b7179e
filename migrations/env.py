"""Alembic environment: migrates the connection handed in by `upgrade_database`, or the configured URL."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.database import make_engine
from models.migrate import include_object
from service.settings import get_settings


def migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    migrate(given)
else:
    engine = make_engine(get_settings().database_url)
    with engine.connect() as connection:
        migrate(connection)
    engine.dispose()
