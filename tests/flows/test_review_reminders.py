"""Review assignments climb the ladder: the expert is reminded and told when late, then the coordinator."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from flows.review_reminders import ReviewReminderRequest, review_reminders
from models.assignments import assign_expert
from models.escalation import SweepRun
from models.outbox import OutboxMessage
from models.roles import Role
from schedules.calendar import WorkingCalendar
from schedules.heartbeat import REVIEWS
from tests import factories
from tests.factories import DECLARATION_DAY, fire
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import EVENT_ROLES, morning

CAL = WorkingCalendar()


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_review_rungs_expert_then_coordinator(flow_db: Engine) -> None:
    due = date(2022, 7, 15)
    with Session(flow_db, expire_on_commit=False) as session:
        cast = factories.cast(session)
        for event in ("submit", "confirm_eligibility", "open_review"):
            fire(session, cast.project, event, cast.actor(EVENT_ROLES[event]), now=DECLARATION_DAY, lifecycle="project")
        expert = factories.expert(session)
        assignment = assign_expert(
            session,
            project=cast.project,
            expert=expert,
            due_date=due,
            actor=cast.actor(Role.CITY_COORDINATOR),
            now=DECLARATION_DAY,
        )
        session.commit()

    days = [CAL.add_working_days(due, -3), CAL.add_working_days(due, 1), CAL.add_working_days(due, 10)]
    reports = [review_reminders(ReviewReminderRequest(as_of=d, now=morning(d))) for d in days]
    rerun = review_reminders(ReviewReminderRequest(as_of=days[-1], now=morning(days[-1])))

    assert [r.claimed for r in reports] == [{"reminder": 1}, {"late-1": 1}, {"late-10": 1}]  # late-5: caught up
    assert rerun.claimed == {}
    with Session(flow_db) as session:
        heartbeats = session.execute(
            select(SweepRun.claimed, SweepRun.notices).where(SweepRun.kind == REVIEWS).order_by(SweepRun.id)  # type: ignore[arg-type]
        ).all()
    assert [tuple(h) for h in heartbeats] == [(1, 1), (1, 1), (1, 1), (0, 0)]  # the notices each run queued
    assert [r.notices for r in [*reports, rerun]] == [1, 1, 1, 0]
    with Session(flow_db) as session:
        rows = (
            session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.entity_type == "review_assignment",
                    OutboxMessage.entity_id == assignment.id,
                    OutboxMessage.dedupe_key.like("escalation:%"),
                )  # type: ignore[union-attr]
            )
            .scalars()
            .all()
        )
    assert sorted((r.params["rung_code"], r.template, r.recipient_party) for r in rows) == [
        ("late-1", "review_overdue", "expert"),
        ("late-10", "review_overdue", "city_coordinator"),
        ("reminder", "review_reminder", "expert"),
    ]
    assert all(r.recipient_address for r in rows if r.recipient_party == "expert")
