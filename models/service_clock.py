"""The stored clock of a demo or simulation: the service's time, set forward by the coordinator.

Outside simulation mode (`SANSHE_SIMULATED_CLOCK`, off by default) the row is never read: the service lives on the
wall clock. In simulation mode the service's time runs on from where it was last set, at the wall clock's pace:
`set_to + (wall now - set_at)`. It only moves forward, so that claims, audit rows and notices stay in order.
"""

from datetime import datetime

from sqlmodel import Field, Session, SQLModel

from models.columns import aware_datetime_column

CLOCK_ROW = 1
CLOCK_ENTITY = "service_clock"
ADVANCE_CLOCK = "advance"


class ServiceClock(SQLModel, table=True):
    __tablename__ = "service_clock"

    id: int = Field(default=CLOCK_ROW, primary_key=True)
    set_to: datetime = Field(sa_column=aware_datetime_column())  # the service's time at `set_at`
    set_at: datetime = Field(sa_column=aware_datetime_column())  # the wall clock's time when it was set
    set_by: str = Field(max_length=100)
    state: str = Field(default="set", max_length=10)  # the audit trail's to_state
    version: int = 1

    def time_at(self, wall_now: datetime) -> datetime:
        return self.set_to + (wall_now - self.set_at)


def stored_clock(session: Session) -> ServiceClock | None:
    return session.get(ServiceClock, CLOCK_ROW)


def stored_time(session: Session, wall_now: datetime) -> datetime:
    """The service's time in simulation mode: the wall clock until the clock is first set."""
    clock = stored_clock(session)
    return wall_now if clock is None else clock.time_at(wall_now)


def set_stored_clock(session: Session, *, to: datetime, wall_now: datetime, set_by: str) -> ServiceClock:
    """Move the stored clock to `to` (the caller has checked it is later); the caller audits and commits."""
    clock = stored_clock(session)
    if clock is None:
        clock = ServiceClock(set_to=to, set_at=wall_now, set_by=set_by)
    else:
        clock.set_to, clock.set_at, clock.set_by, clock.version = to, wall_now, set_by, clock.version + 1
    session.add(clock)
    session.flush()
    return clock
