"""Each test run gets its own fresh database: a SQLite file, and a PostgreSQL schema when it answers.

Each test then works inside one outer transaction that is rolled back, so tests never see each
other's rows. Backends: SANSHE_TEST_BACKENDS (default "sqlite,postgres"). With CI=true an unreachable
PostgreSQL fails the run instead of being skipped.
"""

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from models.migrate import fresh_database

POSTGRES_URL = os.environ.get("SANSHE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("SANSHE_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]


def postgres_database(prefix: str) -> Iterator[Engine]:
    """A PostgreSQL schema of its own; unreachable PostgreSQL skips, or fails with CI=true."""
    with ExitStack() as stack:
        try:
            engine = stack.enter_context(fresh_database(POSTGRES_URL, prefix=prefix))
        except OperationalError as exc:
            message = f"PostgreSQL 不可达（{POSTGRES_URL}）：{exc.orig}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        yield engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "sqlite":
        with fresh_database("sqlite", prefix="sanshe-test") as engine:
            yield engine
    elif request.param == "postgres":
        yield from postgres_database("sanshe_test")
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


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One Prefect test server for the whole run (it takes ~16 s to start), its API's URL; this process's Prefect
    settings point at it from then on. The flows run against it in-process and the console's servers through the
    URL. Tests share it, so each looks only at its own runs (by their flow's name or their ids)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        url = PREFECT_API_URL.value()
        assert url, "Prefect 测试服务器没有给出 API 地址"
        yield url
