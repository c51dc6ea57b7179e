"""工作日历: the official years loaded, the holidays and adjusted working days of a chosen year as deadlines count
them (GET /calendar/days's use case), and which years are still provisional."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from models.authority import roles_for
from models.dates import shanghai_date
from models.lifecycles import CALENDAR_REGISTER
from schedules.calendar_store import DayKind, calendar_days
from service.api.deps import ClockDep, SessionDep
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser
from service.console.templating import render
from service.queries.calendar import official_years
from service.queries.calendar_years import year_standings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CALENDAR_PATH = "/console/calendar"
SHOWN_KINDS = (DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY)
YEARS_AROUND = range(-1, 3)  # last year to two years ahead are always listed


@router.get(CALENDAR_PATH)
def calendar_page(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    today = shanghai_date(now)
    chosen = year or today.year
    days = calendar_days(session, first=date(chosen, 1, 1), last=date(chosen, 12, 31))
    standings = year_standings(session, actor=actor, years=[today.year + i for i in YEARS_AROUND] + [chosen])
    return render(
        request,
        "console/calendar.html",
        user=user,
        today=today,
        chosen=chosen,
        loaded=official_years(session),
        standings=standings,
        standing=next(s for s in standings if s.year == chosen),
        days=[d for d in days if d.kind in SHOWN_KINDS],
        may_load=actor.role in roles_for(CALENDAR_REGISTER, "load"),
    )
