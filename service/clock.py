"""The service's time: the wall clock, or in simulation mode the stored clock (`models.service_clock`).

The wall clock is read here only; everything below `service/` takes `now` or `as_of` as an argument. Signing in
and token expiry always keep the wall clock (advancing a simulation must not sign everyone out).
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from models.service_clock import stored_time
from service.settings import Settings, get_settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def service_now(session: Session, *, settings: Settings, wall: Clock = system_clock) -> datetime:
    """What `now` is for the domain: deadlines, sweeps, notices, audit rows."""
    return stored_time(session, wall()) if settings.simulated_clock else wall()


def service_now_on(engine: Engine, *, settings: Settings | None = None) -> datetime:
    """The service's time for a flow or a command that has an engine but no session yet."""
    settings = settings or get_settings()
    if not settings.simulated_clock:
        return system_clock()
    with Session(engine) as session:
        return service_now(session, settings=settings)
