"""Playing the programme year: the simulated clock set forward one day at a time to the programme's last milestone,
and each day the jobs the clock passed run directly, as the scheduler would run them (no flow run per day).

Each day is `advance_clock` (authorized, audited, forward only) followed by its catch-ups — the deadline sweep,
the review reminders, the quarterly bulletins — and one dispatch of the notices they queued. Every step commits on
its own, so that other requests get through between days (SQLite holds one write lock at a time).
The progress is the clock itself: its stored date against the last day; the counts are kept by the player.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from models.authority import authorize
from models.dates import shanghai_date
from models.errors import DomainError
from models.lifecycles import CLOCK_REGISTER
from models.programme import Programme
from models.roles import Actor
from models.service_clock import ADVANCE_CLOCK, stored_clock
from schedules.bulletin import publish_bulletin
from schedules.ladder import node_ladder, review_ladder
from schedules.review_job import sweep_and_record_reviews
from schedules.runner import CatchUp
from schedules.sweep import sweep
from service.clock import Clock, service_now, system_clock
from service.commands.bulletins import bulletins_due
from service.commands.clock import ClockAdvance, advance_clock
from service.errors import ClockNotSimulated, InvalidInput
from service.mail.dispatcher import DispatchOptions, dispatch_due
from service.mail.transport import SmtpConfig, SmtpPool
from service.settings import Settings

log = logging.getLogger(__name__)
DAY = timedelta(days=1)


class YearAlreadyPlaying(DomainError):
    code = "clock.playing"
    status = 409


class NothingToPlay(DomainError):
    code = "clock.nothing_to_play"
    status = 409


@dataclass(frozen=True)
class YearPlay:
    """One play of the year: from the clock's day to the programme's last milestone, and what it did so far."""

    programme: str  # the programme's name
    first_day: date  # the clock's day when the play began
    last_day: date  # the programme's last milestone
    started_by: str
    days_done: int = 0
    reminders: int = 0  # rungs told before a due date (提醒)
    escalations: int = 0  # rungs told after it (逾期升级)
    bulletins: int = 0
    mails: int = 0  # mails the server accepted
    finished: bool = False
    failure: str | None = None  # why it stopped early, in zh-CN

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days


@dataclass(frozen=True)
class DayPlayed:
    """What one day's jobs did."""

    day: date
    reminders: int = 0
    escalations: int = 0
    bulletins: int = 0
    mails: int = 0


def last_milestone(programme: Programme) -> date:
    """The programme year ends with its last phase's last day (Lanzhou 2022: acceptance, 2023-09-30)."""
    phases = programme.parsed_spec().phases
    return max(
        phases.window(name).end
        for name in ("declaration", "review", "contracting", "implementation", "supervision", "acceptance")
    )


def programme_to_play(session: Session, today: date) -> tuple[Programme, date]:
    """The programme whose year the clock is in (the latest ending, if several), and its last milestone."""
    found = [
        (last_milestone(p), p)
        for p in session.exec(select(Programme)).all()
        if p.parsed_spec().phases.declaration.start <= today < last_milestone(p)
    ]
    if not found:
        raise NothingToPlay("模拟时钟不在任何试点批次的年度之内（或已到最后一个节点），没有可播放的全年")
    end, programme = max(found, key=lambda pair: (pair[0], pair[1].id or 0))
    return programme, end


def check_may_play(session: Session, *, actor: Actor, settings: Settings) -> None:
    """The same checks as setting the clock by hand: who may (`CLOCK_REGISTER`), and simulation mode only."""
    authorize(session, actor=actor, subject=CLOCK_REGISTER, action=ADVANCE_CLOCK)
    if not settings.simulated_clock:
        raise ClockNotSimulated("本系统按真实时间运行，不能拨动时钟：只有演示/模拟模式（SANSHE_SIMULATED_CLOCK）可以")


def plan_play(
    session: Session, *, actor: Actor, settings: Settings, wall_now: datetime, until: date | None = None
) -> YearPlay:
    """Where a play would go from now: the programme's last milestone, or `until` if earlier; refused as setting the
    clock would be."""
    check_may_play(session, actor=actor, settings=settings)
    today = shanghai_date(service_now(session, settings=settings, wall=lambda: wall_now))
    programme, end = programme_to_play(session, today)
    session.rollback()  # only reads: the read transaction ends before the days begin
    if until is not None and until <= today:
        raise InvalidInput(f"播放的终点须在今天（{today.isoformat()}）之后")
    last = end if until is None else min(until, end)
    return YearPlay(programme=programme.name, first_day=today, last_day=last, started_by=actor.user_id)


def reminder_codes(session: Session) -> frozenset[str]:
    """Rung codes that remind before a due date, on any programme's node or review ladder."""
    codes = set()
    for programme in session.exec(select(Programme)).all():
        spec = programme.parsed_spec()
        for ladder in (node_ladder(spec), review_ladder(spec)):
            codes.update(rung.code for rung in ladder.rungs if rung.is_reminder)
    return frozenset(codes)


def _run_job(
    session: Session, run: CatchUp, *, now: datetime, settings: Settings, reminders: frozenset[str]
) -> DayPlayed:
    """One passed job, run directly as its flow's plain steps; each commits."""
    if run.job_id == "enforce-deadlines":
        result = sweep(session, as_of=run.as_of, now=now)
        told = result.outcome.claimed
        early = sum(n for (_, code), n in told.items() if code in reminders)
        return DayPlayed(run.as_of, reminders=early, escalations=sum(told.values()) - early)
    if run.job_id == "review-reminders":
        outcome = sweep_and_record_reviews(session, as_of=run.as_of, now=now)
        session.commit()
        early = sum(n for code, n in outcome.claimed.items() if code in reminders)
        return DayPlayed(run.as_of, reminders=early, escalations=sum(outcome.claimed.values()) - early)
    if run.job_id == "publish-quarterly-bulletins":
        published = 0
        for period, codes in bulletins_due(session, run.as_of, since=run.since):
            for code in codes:
                publish_bulletin(
                    session, programme_code=code, period=period, as_of=run.as_of, now=now, files_dir=settings.files_dir
                )
                session.commit()
                published += 1
        session.commit()
        return DayPlayed(run.as_of, bulletins=published)
    raise KeyError(f"play the year: no direct run for job {run.job_id}")


@contextmanager
def play_connection(engine: Engine) -> Iterator[Connection]:
    """The play's one connection, each day's transactions committing on it in turn.

    On PostgreSQL its many small commits do not wait for the WAL flush (`synchronous_commit = off`, as the
    dispatcher's marks do): a crash of the database server may lose the last fraction of a second of a simulation,
    never part of a transaction. The setting is reset before the connection goes back to the pool."""
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET synchronous_commit = off")
            connection.commit()
        try:
            yield connection
        finally:
            if postgres:
                connection.rollback()
                connection.exec_driver_sql("RESET synchronous_commit")
                connection.commit()


async def _play_day(
    session: Session,
    pool: SmtpPool,
    *,
    play: YearPlay,
    actor: Actor,
    settings: Settings,
    wall: Clock,
    options: DispatchOptions,
    reminders: frozenset[str],
) -> YearPlay:
    """One day: the clock set a day forward (`advance_clock`), the jobs it passed run, the notices they queued sent."""
    row = stored_clock(session)
    before = service_now(session, settings=settings, wall=wall)
    to = before + DAY  # the same time of day, one day on
    advanced = advance_clock(
        session,
        data=ClockAdvance(
            to=to,
            expected_version=0 if row is None else row.version,
            reason=f"播放全年：{play.programme}",
        ),
        actor=actor,
        settings=settings,
        wall_now=wall(),
        start_catch_ups=None,
    )
    now = advanced.now
    day = DayPlayed(shanghai_date(now))
    for passed in advanced.catch_up:  # the jobs the clock passed, as the scheduler would catch them up
        run = CatchUp(passed.job, passed.description, passed.as_of, passed.since)
        done = _run_job(session, run, now=now, settings=settings, reminders=reminders)
        day = replace(
            day,
            reminders=day.reminders + done.reminders,
            escalations=day.escalations + done.escalations,
            bulletins=day.bulletins + done.bulletins,
        )
    sent = await dispatch_due(session, pool, options=options, now=now)
    return replace(
        play,
        days_done=(day.day - play.first_day).days,
        reminders=play.reminders + day.reminders,
        escalations=play.escalations + day.escalations,
        bulletins=play.bulletins + day.bulletins,
        mails=play.mails + sent.mails,
    )


async def play_days(
    engine: Engine,
    *,
    play: YearPlay,
    actor: Actor,
    settings: Settings,
    wall: Clock = system_clock,
    after_day: Callable[[YearPlay], None] | None = None,
) -> YearPlay:
    """Every day from the play's first to its last: the clock set a day forward, its jobs run, the mail sent."""
    options = DispatchOptions.from_settings(settings)
    with play_connection(engine) as connection:
        with Session(connection) as session:
            reminders = reminder_codes(session)
            session.rollback()
        async with SmtpPool(SmtpConfig.from_settings(settings), size=2) as pool:
            while play.days_done < play.days:
                with Session(connection, expire_on_commit=False) as session:
                    play = await _play_day(
                        session,
                        pool,
                        play=play,
                        actor=actor,
                        settings=settings,
                        wall=wall,
                        options=options,
                        reminders=reminders,
                    )
                if after_day is not None:
                    after_day(play)
    return replace(play, finished=True)


@dataclass
class YearPlayer:
    """Plays one year at a time in the background, on one worker; the last play stays readable for the page."""

    _executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="play-year")
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _current: YearPlay | None = None
    _running: bool = False

    @property
    def current(self) -> YearPlay | None:
        """The play under way, or the last one (finished or failed); `None` before any."""
        with self._lock:
            return self._current

    @property
    def running(self) -> bool:
        with self._lock:
            return self._running

    def start(
        self,
        session: Session,
        *,
        actor: Actor,
        settings: Settings,
        wall_now: datetime,
        until: date | None = None,
        wall: Clock = system_clock,
    ) -> YearPlay:
        """Checked and planned here, in the request; the days then run on the worker. A second play is refused."""
        play = plan_play(session, actor=actor, settings=settings, wall_now=wall_now, until=until)
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        with self._lock:
            if self._running:
                raise YearAlreadyPlaying("正在播放全年，请等本次播放结束后再试")
            self._running, self._current = True, play
        self._executor.submit(self._play, engine, play, actor, settings, wall)
        return play

    def _update(self, play: YearPlay) -> None:
        with self._lock:
            self._current = play

    def _play(self, engine: Engine, play: YearPlay, actor: Actor, settings: Settings, wall: Clock) -> None:
        try:
            done = asyncio.run(
                play_days(engine, play=play, actor=actor, settings=settings, wall=wall, after_day=self._update)
            )
        except DomainError as refused:
            log.warning("play the year stopped: %s", refused.message)
            done = replace(self.current or play, failure=refused.message)
        except Exception:
            log.exception("play the year failed")
            done = replace(self.current or play, failure="播放中断：服务器内部错误，详见服务日志")
        with self._lock:
            self._current, self._running = done, False


class YearPlayStatus(BaseModel):
    running: bool = Field(description="是否正在播放")
    programme: str | None = Field(default=None, description="播放的试点批次")
    first_day: date | None = Field(default=None, description="播放开始时的日期")
    last_day: date | None = Field(default=None, description="播放到的日期：试点批次的最后一个节点")
    day: int = Field(default=0, description="第几天：模拟时钟的日期距开始日的天数")
    days: int = Field(default=0, description="共几天")
    reminders: int = Field(default=0, description="已发出的到期提醒")
    escalations: int = Field(default=0, description="已发出的逾期升级")
    bulletins: int = Field(default=0, description="已发布的季度通报")
    mails: int = Field(default=0, description="已发出的邮件")
    finished: bool = Field(default=False, description="是否已播放完毕")
    failure: str | None = Field(default=None, description="提前停止的原因")


def play_status(
    session: Session, *, actor: Actor, settings: Settings, wall_now: datetime, player: "YearPlayer"
) -> YearPlayStatus:
    """The player's last play against the stored clock: the day is the clock's date counted from the first day."""
    authorize(session, actor=actor, subject=CLOCK_REGISTER, action=ADVANCE_CLOCK)
    play, running = player.current, player.running
    if play is None:
        return YearPlayStatus(running=running)
    today = shanghai_date(service_now(session, settings=settings, wall=lambda: wall_now))
    return YearPlayStatus(
        running=running,
        programme=play.programme,
        first_day=play.first_day,
        last_day=play.last_day,
        day=max(0, min((today - play.first_day).days, play.days)),
        days=play.days,
        reminders=play.reminders,
        escalations=play.escalations,
        bulletins=play.bulletins,
        mails=play.mails,
        finished=play.finished,
        failure=play.failure,
    )


PLAYER = YearPlayer()  # the service's one player: the console page and the API start and read the same one
