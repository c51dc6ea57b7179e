"""Publishing node-completion bulletins: on demand by the coordinator, and each quarter by the schedule.

Both publish through `schedules.bulletin.publish_bulletin`: the same workbook, and one notice per office, once
(publishing a period again rewrites the file as of its day and queues nothing new).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from models.audit import record_audit
from models.authority import authorize
from models.dates import shanghai_date
from models.lifecycles import BULLETIN_REGISTER
from models.node import Node
from models.programme import Programme
from models.project import Project
from models.roles import Actor
from schedules.bulletin import BULLETIN, Period, parse_period, publish_bulletin
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from service.fields import Day, Id, text
from service.queries.bulletins import BulletinPublic, bulletin_public, scoped_programme

PUBLISH = "publish"
PUBLISHED = "published"


@dataclass(frozen=True)
class PublishedBulletin:
    """What the audit row is about: the programme's bulletins (a file per period, no lifecycle of its own)."""

    id: int
    state: str = PUBLISHED
    version: int = 1


class BulletinCreate(BaseModel):
    programme_id: Id
    period: text(40, min_length=1) = Field(  # type: ignore[valid-type]
        description="2023-Q1、2023-H1、2023-03、2023 或 2023-01-01..2023-03-31"
    )
    as_of: Day | None = Field(default=None, description="统计截止日；默认期末与今天中较早的一天")


def publish_on_demand(
    session: Session, *, data: BulletinCreate, actor: Actor, now: datetime, files_dir: Path
) -> BulletinPublic:
    """The coordinator of the programme's city publishes one period's bulletin now."""
    authorize(session, actor=actor, subject=BULLETIN_REGISTER, action=PUBLISH)
    programme = scoped_programme(session, actor=actor, programme_id=data.programme_id)
    period = parse_period(data.period)
    as_of = data.as_of or min(period.last, shanghai_date(now))
    result = publish_bulletin(
        session, programme_code=programme.code, period=period, as_of=as_of, now=now, files_dir=files_dir
    )
    assert programme.id is not None
    record_audit(
        session,
        entity_type=BULLETIN,
        entity=PublishedBulletin(programme.id),
        event=PUBLISH,
        from_state=None,
        actor=actor,
        now=now,
        details={
            "programme_code": programme.code,
            "period": period.label,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "as_of": as_of.isoformat(),
            "file": result.path.name,
            "notices_queued": result.notices,
        },
    )
    session.commit()
    return bulletin_public(programme, period, result.path)


def quarter_due(calendar: WorkingCalendar, today: date) -> Period | None:
    """The previous quarter, on the first working day of a quarter (after New Year or National Day holidays too)."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if calendar.add_working_days(quarter_start, 0) != today:
        return None
    last = quarter_start - timedelta(days=1)
    return parse_period(f"{last.year}-Q{(last.month - 1) // 3 + 1}")


def programmes_due(session: Session, period: Period) -> list[str]:
    """The codes of the programmes with a node due in the period: the ones whose bulletin means something."""
    due = (
        select(Programme.code)
        .join(Project, col(Project.programme_id) == Programme.id)
        .join(Node, col(Node.project_id) == Project.id)
        .where(col(Node.due_date) >= period.first, col(Node.due_date) <= period.last)
        .distinct()
        .order_by(Programme.code)
    )
    return list(session.exec(due).all())


def quarters_due(calendar: WorkingCalendar, *, since: date, until: date) -> list[Period]:
    """The quarters whose bulletin fell due after `since` up to `until`: a quarter's first working day lies there."""
    found, day = [], date(since.year, 3 * ((since.month - 1) // 3) + 1, 1)
    while day <= until:
        first_working_day = calendar.add_working_days(day, 0)
        period = quarter_due(calendar, first_working_day)
        if period is not None and since < first_working_day <= until:
            found.append(period)
        day = date(day.year + (day.month + 3 > 12), (day.month + 2) % 12 + 1, 1)
    return found


def bulletins_due(session: Session, today: date, *, since: date | None = None) -> list[tuple[Period, list[str]]]:
    """What the quarterly schedule publishes: the quarters due after `since` (default: due today only), each with
    the programmes that had nodes due in it. A run after the clock was set forward, or after downtime, catches up."""
    since = today - timedelta(days=1) if since is None else since
    return [
        (period, programmes_due(session, period))
        for period in quarters_due(calendar_from_db(session), since=since, until=today)
    ]
