"""A GET request reads beside a writer on SQLite: it does not queue for the write lock another process holds."""

from pathlib import Path

from fastapi.testclient import TestClient

from models.database import make_engine
from models.migrate import upgrade_database
from service.app import create_app
from service.settings import Settings
from tests.models.test_database_sqlite_locking import hold_the_write_lock

HOLD_SECONDS = 5.0


def test_a_get_answers_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """Guards `read_only(session)` in service.api.deps.get_session: without it the GET waits for the holder."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reading.db'}")
    with engine.begin() as connection:
        upgrade_database(connection)
    app = create_app(Settings(secret_key="read-only-" + "k" * 32, scheduler_enabled=False), engine)
    holder = hold_the_write_lock(str(tmp_path / "reading.db"), HOLD_SECONDS, "CREATE TABLE holder_mark (id INTEGER)")
    try:
        with TestClient(app) as client:
            answer = client.get("/health")
        still_holding = holder.poll() is None
    finally:
        assert holder.wait(timeout=30) == 0
        engine.dispose()
    assert answer.status_code == 200, answer.text
    assert answer.json()["database"] == "ok"
    assert still_holding  # answered before the holder committed
