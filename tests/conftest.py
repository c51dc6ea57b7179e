"""Each test run gets its own fresh database: a SQLite file, and a PostgreSQL schema when it answers.

Each test then works inside one outer transaction that is rolled back, so tests never see each
other's rows. Backends: SANSHE_TEST_BACKENDS (default "sqlite,postgres"). With CI=true an unreachable
PostgreSQL fails the run instead of being skipped.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from models.database import make_engine
from models.migrate import upgrade_database

POSTGRES_URL = os.environ.get("SANSHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("SANSHE_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]


def _sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("db") / "sanshe-test.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        upgrade_database(connection)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    schema = f"sanshe_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL 不可达（{POSTGRES_URL}）：{exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-c search_path={schema}"})
    with engine.begin() as connection:
        upgrade_database(connection)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory)
    elif request.param == "postgres":
        yield from _postgres_engine()
    else:
        raise ValueError(f"unknown backend {request.param}")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose commits become savepoints of one outer transaction that is rolled back."""
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
            yield session
        outer.rollback()
