"""Engine construction: one factory so the service, the CLI and the tests build engines alike."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlmodel import Session

# A connection's execution option: its transaction only reads (a GET request's). On SQLite it begins DEFERRED, so
# that readers run side by side under WAL instead of queueing for the write lock; a write in it is refused.
READS_ONLY = "sanshe_reads_only"
# Statements that do not write, by their first word (what the cached counts and the refusal below tell apart).
READ_STATEMENTS = ("SELECT", "BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "SET", "SHOW", "WITH")


class WriteWhileReading(RuntimeError):
    """A transaction opened to read only (a GET request's) tried to write: on SQLite it would hold no write lock."""


def writes(statement: str) -> bool:
    return not statement.lstrip()[:9].upper().startswith(READ_STATEMENTS)


# Connections an engine keeps open to PostgreSQL, and how many more it may open at a peak (closed again when given
# back). With SQLAlchemy's default of 5 kept, a worker answering more than five requests at once opened and closed
# a connection for nearly every request beyond the fifth; ten kept cover the benchmark's sixteen readers on two
# workers. At most 20 a worker: two workers, the scheduler and Prefect stay well within PostgreSQL's 100.
POSTGRES_POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 10}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets real transactions (savepoints), foreign keys and a 30 s busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _give_sqlite_real_transactions(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **(POSTGRES_POOL | kwargs))
    event.listen(engine, "before_cursor_execute", _refuse_writes_while_reading)
    return engine


def _refuse_writes_while_reading(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if writes(statement) and conn.get_execution_options().get(READS_ONLY):
        raise WriteWhileReading(f"只读事务（GET 请求）中不能写入数据库：{statement.split(None, 1)[0]}")


def read_only(session: Session) -> Session:
    """The session's next transaction only reads: on SQLite it takes no write lock; a write in it is refused."""
    session.connection(execution_options={READS_ONLY: True})
    return session


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
    def _on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front, waiting up to the busy timeout: a deferred transaction that
        # reads and then writes fails at once with "database is locked" while another connection writes,
        # because SQLite never calls the busy handler on the upgrade from read to write. A transaction that only
        # reads (READS_ONLY, refused any write) begins deferred: WAL lets it read beside the writer.
        reads_only = connection.get_execution_options().get(READS_ONLY)
        connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


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
