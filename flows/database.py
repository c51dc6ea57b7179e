"""The database the flows work on: the one Settings names (tests point it at their own)."""

from functools import lru_cache

from sqlalchemy import Engine

from models.database import make_engine
from service.settings import get_settings


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)


def flow_engine() -> Engine:
    """One engine per database URL, shared by the flow runs of a process."""
    return _engine(get_settings().database_url)
