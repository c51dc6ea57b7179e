"""The simulation clock page: the coordinator sets the programme clock forward (the API's clock use case) and
watches the passed jobs the scheduler catches up, by the sweeps' heartbeat and the outbox; or plays the whole
programme year (`service.commands.play_year`) and watches the clock run to its last milestone."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from models.dates import SHANGHAI, shanghai_date
from models.errors import RoleNotAllowed
from models.outbox import OutboxStatus
from models.roles import Actor, Role
from schedules.heartbeat import NODES, REVIEWS, last_sweep
from schedules.runner import CATCH_UP_JOB, CatchUp, catch_ups, start_catch_ups
from service.api.deps import SessionDep, SettingsDep, WallClockDep
from service.commands.clock import ClockAdvance, advance_clock
from service.commands.play_year import PLAYER, YearPlayStatus, play_status
from service.console.refusals import ConsoleRoute, error_page
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import is_htmx, render
from service.queries.clock import clock_view
from service.queries.notices import NoticeFilter, list_notices
from service.settings import Settings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CLOCK_PATH = "/console/clock"
PLAY_PATH = f"{CLOCK_PATH}/play"
WEEK = timedelta(days=7)
MAY_SET = frozenset({Role.CITY_COORDINATOR, Role.ADMIN})  # as `CLOCK_REGISTER` lets them advance it
# The jobs whose finished runs leave a heartbeat row (`schedules.heartbeat`), by job id.
HEARTBEATS = {"enforce-deadlines": NODES, "review-reminders": REVIEWS}
# What to run by hand when no scheduler runs in the service (SANSHE_SCHEDULER_ENABLED=false).
BY_HAND = {
    "enforce-deadlines": "sanshe sweep --as-of {as_of}",
    "review-reminders": "sanshe review-reminders --as-of {as_of}",
    "publish-quarterly-bulletins": "sanshe bulletin",
}


@dataclass(frozen=True)
class CatchUpState:
    """One passed job and how far it is: done when its heartbeat reached its day; `None` when nothing tells."""

    run: CatchUp
    done: bool | None
    by_hand: str


def _coordinator(actor: Actor) -> None:
    if actor.role not in MAY_SET:
        raise RoleNotAllowed("只有市民政局（市级统筹）可以查看和拨动模拟时钟")


def catch_up_progress(session: Session, *, actor: Actor, runs: list[CatchUp]) -> dict[str, Any]:
    """Each passed job by the sweeps' heartbeat, and the notices still waiting to be sent (the dispatch's part)."""
    states = []
    for run in runs:
        kind = HEARTBEATS.get(run.job_id)
        beat = last_sweep(session, kind) if kind is not None else None
        done = None if kind is None else beat is not None and beat.as_of >= run.as_of
        states.append(CatchUpState(run, done, BY_HAND.get(run.job_id, "").format(as_of=run.as_of)))

    def count(status: OutboxStatus) -> int:
        return list_notices(session, actor=actor, notices=NoticeFilter(status=status), page=1, page_size=1).total

    pending, sent, failed = count(OutboxStatus.PENDING), count(OutboxStatus.SENT), count(OutboxStatus.FAILED)
    finished = all(state.done is not False for state in states) and pending == 0
    return {"states": states, "pending": pending, "sent": sent, "failed": failed, "finished": finished}


def _queued_batches(request: Request, session: Session) -> int | None:
    """Catch-up batches the running scheduler still holds (not yet started); `None` without a scheduler.

    The job store is read on a connection of its own: the request's read transaction ends first, or on SQLite
    (every transaction holding the write lock) the store would wait for it until the busy timeout."""
    scheduler = request.app.state.scheduler
    if scheduler is None:
        return None
    session.rollback()  # nothing written: only the read transaction ends
    return sum(1 for queued in scheduler.get_jobs() if queued.id.startswith(CATCH_UP_JOB))


def _passed(start: datetime | None, end: datetime | None) -> list[CatchUp] | None:
    """The jobs one setting passed, computed again as the use case did (`schedules.runner.catch_ups`)."""
    if start is None or end is None or end <= start:
        return None
    return catch_ups(start, end)


@router.get(CLOCK_PATH)
def clock_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wall_now: WallClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> Response:
    _coordinator(actor)
    clock = clock_view(session, settings=settings, wall_now=wall_now)
    runs = _passed(start, end) if clock.simulated else None
    progress = None if runs is None else catch_up_progress(session, actor=actor, runs=runs)
    return render(
        request,
        "console/clock.html",
        user=user,
        clock=clock,
        play=_play(session, actor, settings, wall_now) if clock.simulated else None,
        week_later=clock.today + WEEK,
        earliest=clock.today + timedelta(days=1),
        start=start,
        end=end,
        runs=runs,
        progress=progress,
        queued=_queued_batches(request, session),
        progress_query=urlencode({"from": start.isoformat(), "to": end.isoformat()}) if runs is not None else "",
    )


@router.get(f"{CLOCK_PATH}/progress")
def clock_progress(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
) -> Response:
    """The progress panel alone, polled by htmx until every passed job is done and no notice waits."""
    _coordinator(actor)
    runs = _passed(start, end) or []
    return render(
        request,
        "console/_clock_progress.html",
        user=user,
        runs=runs,
        progress=catch_up_progress(session, actor=actor, runs=runs),
        queued=_queued_batches(request, session),
        progress_query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
    )


@router.post(CLOCK_PATH, dependencies=[CsrfChecked])
def set_clock(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wall_now: WallClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    expected_version: Annotated[int, Form(ge=0)],
    day: Annotated[date | None, Form()] = None,
    week: Annotated[int, Form(ge=0, le=1)] = 0,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The API's clock use case (`advance_clock`): role, mode, version and "forward only" are checked there."""
    before = clock_view(session, settings=settings, wall_now=wall_now).now.astimezone(SHANGHAI)
    if week:
        to = before + WEEK
    elif day is not None:
        to = datetime.combine(day, before.timetz())  # the same time of day on the chosen date
    else:
        return error_page(request, status=422, message="请选择要拨到的日期，或点击“前进一周”")
    if shanghai_date(to) <= shanghai_date(before) and not week:
        return error_page(request, status=422, message="模拟时钟只能向前拨：请选择今天之后的日期")
    try:
        data = ClockAdvance(to=to, expected_version=expected_version, reason=reason.strip() or None)
    except ValidationError:
        return error_page(request, status=422, message="说明不能包含控制字符，且至多 500 字")
    scheduler = request.app.state.scheduler
    advanced = advance_clock(
        session,
        data=data,
        actor=actor,
        settings=settings,
        wall_now=wall_now,
        start_catch_ups=None if scheduler is None else partial(start_catch_ups, scheduler),
    )
    query = urlencode({"from": advanced.from_time.isoformat(), "to": data.to.isoformat()})
    return RedirectResponse(f"{CLOCK_PATH}?{query}", status_code=303)


def _play(session: Session, actor: Actor, settings: Settings, wall_now: datetime) -> YearPlayStatus | None:
    """The year's play as the API reports it (`play_status`); None before any play."""
    status = play_status(session, actor=actor, settings=settings, wall_now=wall_now, player=PLAYER)
    return None if status.first_day is None else status


@router.get(PLAY_PATH)
def play_year_progress(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wall_now: WallClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
) -> Response:
    """The play's panel alone, polled by htmx while the year plays; once it is over, the whole page again (the
    clock's date above the panel, the button no longer disabled)."""
    _coordinator(actor)
    progress = _play(session, actor, settings, wall_now)
    over = (progress is None or not progress.running) and is_htmx(request)
    headers = {"HX-Refresh": "true"} if over else None
    return render(request, "console/_play_year_progress.html", user=user, headers=headers, play=progress)


@router.post(PLAY_PATH, dependencies=[CsrfChecked])
def play_year(
    request: Request, session: SessionDep, settings: SettingsDep, wall_now: WallClockDep, actor: ConsoleActor
) -> Response:
    """The play use case: role and mode are checked as for setting the clock; a second play while one runs is
    refused there, in Chinese."""
    PLAYER.start(session, actor=actor, settings=settings, wall_now=wall_now)
    return RedirectResponse(CLOCK_PATH, status_code=303)
