"""Engine construction: one factory so the service, the CLI and the tests build engines alike."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets real transactions (savepoints), foreign keys and a 30 s busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _give_sqlite_real_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _give_sqlite_real_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL syncs the log at checkpoints instead of at every commit (SQLite's advice for WAL):
        # the database stays consistent; only a power cut or OS crash, not a crash of the service, may lose
        # the last commits before it.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, waiting up to the busy timeout: a deferred transaction that
        # reads and then writes fails at once with "database is locked" while another connection writes,
        # because SQLite never calls the busy handler on the upgrade from read to write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
