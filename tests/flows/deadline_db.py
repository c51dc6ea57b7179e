"""A fresh database the flows under test work on: committed rows, seen by the flow's own engine."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flows.database import flow_engine
from models.database import make_engine
from models.migrate import upgrade_database
from service.settings import get_settings


def fresh_flow_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point Settings (and so the flows) at a new SQLite file with the current schema."""
    url = f"sqlite:///{tmp_path / 'flows.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade_database(connection)
    monkeypatch.setenv("SANSHE_DATABASE_URL", url)
    monkeypatch.setenv("SANSHE_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    assert str(flow_engine().url) == url
    yield engine
    engine.dispose()
    get_settings.cache_clear()
