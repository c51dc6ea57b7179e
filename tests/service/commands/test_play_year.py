"""Playing the year on the demo data: the clock steps a day at a time, each day's sweeps, bulletins and mail run
directly and commit on their own, and only a coordinator of a simulation may play, once at a time."""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.dates import shanghai_date
from models.errors import RoleNotAllowed
from models.escalation import EscalationClaim
from models.migrate import fresh_database
from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Actor, Role
from models.service_clock import ADVANCE_CLOCK, CLOCK_ENTITY, stored_clock
from models.user import User
from schedules.bulletin import bulletin_file, parse_period
from schedules.heartbeat import NODES, REVIEWS, last_sweep
from service.auth import actor_of
from service.commands.play_year import YearAlreadyPlaying, YearPlay, YearPlayer, plan_play, play_days
from service.demo import DEMO_DAY, seed_demo, start_demo_clock
from service.errors import ClockNotSimulated
from service.mail.catcher import CatcherProcess
from service.settings import Settings
from tests import factories
from tests.conftest import BACKENDS, postgres_database

FIRST_BULLETIN_DAY = date(2023, 1, 3)  # 2022-Q4's bulletin: the first working day after the New Year holiday
UNTIL = date(2023, 1, 6)  # past the first supervision reports' due day (2022-12-27) and five working days more


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh database of the backend with Lanzhou 2022, the demo data and the demo clock on its day."""
    database = (
        fresh_database("sqlite", prefix="sanshe-play")
        if request.param == "sqlite"
        else contextmanager(postgres_database)("sanshe_play")
    )
    with database as engine:
        with Session(engine) as session:
            factories.lanzhou(session)
            seed_demo(session)
            session.commit()
            start_demo_clock(session, settings=Settings(simulated_clock=True), actor=Actor("admin", Role.ADMIN))
        yield engine


def demo_actor(engine: Engine, username: str) -> Actor:
    with Session(engine) as session:
        return actor_of(session.exec(select(User).where(User.username == username)).one())


def test_playing_to_a_day_runs_every_days_jobs_and_commits_day_by_day(demo: Engine, tmp_path: Path) -> None:
    coordinator = demo_actor(demo, "coordinator")
    with CatcherProcess(tmp_path / "caught") as catcher:
        settings = Settings(simulated_clock=True, smtp_port=catcher.port, files_dir=tmp_path / "files")
        with Session(demo) as session:
            play = plan_play(session, actor=coordinator, settings=settings, wall_now=datetime.now(UTC))
        assert (play.first_day, play.last_day) == (DEMO_DAY.date(), date(2023, 9, 30))  # acceptance ends the year
        seen: list[YearPlay] = []
        done = asyncio.run(
            play_days(
                demo, play=replace(play, last_day=UNTIL), actor=coordinator, settings=settings, after_day=seen.append
            )
        )
        caught = list((tmp_path / "caught").glob("*.eml"))
    days = (UNTIL - DEMO_DAY.date()).days
    assert done.finished and done.days_done == days
    assert [p.days_done for p in seen] == list(range(1, days + 1))  # the progress moved with each day
    with Session(demo) as session:
        row = stored_clock(session)
        assert row is not None and shanghai_date(row.set_to) == UNTIL
        advances = session.exec(
            select(func.count()).where(AuditEvent.entity_type == CLOCK_ENTITY, AuditEvent.event == ADVANCE_CLOCK)
        ).one()
        assert advances == days + 1  # the demo's start, then one setting a day: each day committed on its own
        told = session.exec(select(EscalationClaim).where(col(EscalationClaim.skipped).is_(False))).all()
        skipped = session.exec(select(EscalationClaim).where(col(EscalationClaim.skipped).is_(True))).all()
        nodes_beat, reviews_beat = last_sweep(session, NODES), last_sweep(session, REVIEWS)
        sent = session.exec(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)).one()
        pending = session.exec(select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)).one()
    assert nodes_beat is not None and nodes_beat.as_of == UNTIL  # the deadline sweep ran on the last day
    assert reviews_beat is not None and reviews_beat.as_of == UNTIL
    # Swept every day, no node rung had to be caught up; the review assignment, due in July before the demo clock
    # started, catches up on the first day (its lower rungs skipped).
    assert [c.entity_type for c in skipped] == ["review_assignment"] * len(skipped)
    assert {c.rung_code for c in told if c.entity_type == "node"} >= {"reminder", "late-1", "late-5"}
    assert done.reminders == sum(1 for c in told if c.rung_code == "reminder")
    assert done.reminders + done.escalations == len(told)
    assert done.reminders > 0 and done.escalations > 0
    assert done.bulletins == 1  # 2022-Q4's, on its first working day
    assert bulletin_file(settings.files_dir, "lanzhou-2022", parse_period("2022-Q4")).exists()
    assert done.mails == len(caught) > 0 and sent > 0 and pending == 0  # each day's mail went out that day


def test_only_a_coordinator_of_a_simulation_may_play_and_only_once_at_a_time(demo: Engine, tmp_path: Path) -> None:
    settings = Settings(simulated_clock=True, smtp_port=1, files_dir=tmp_path)  # no mail server: the rows wait
    player = YearPlayer()
    with Session(demo) as session:
        with pytest.raises(RoleNotAllowed):
            player.start(session, actor=demo_actor(demo, "chengguan"), settings=settings, wall_now=datetime.now(UTC))
        with pytest.raises(ClockNotSimulated):
            player.start(
                session,
                actor=demo_actor(demo, "coordinator"),
                settings=Settings(simulated_clock=False),
                wall_now=datetime.now(UTC),
            )
        coordinator = demo_actor(demo, "coordinator")
        until = date(2022, 10, 20)
        player.start(session, actor=coordinator, settings=settings, wall_now=datetime.now(UTC), until=until)
        with pytest.raises(YearAlreadyPlaying, match="正在播放全年"):
            player.start(session, actor=coordinator, settings=settings, wall_now=datetime.now(UTC))
    deadline = time.monotonic() + 60
    while player.running and time.monotonic() < deadline:
        time.sleep(0.1)
    current = player.current
    assert current is not None and current.finished and current.failure is None
    assert current.days_done == (until - DEMO_DAY.date()).days
