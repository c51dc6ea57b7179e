"""After days without a review sweep, an assignment is told only its highest rung now due; the lower ones are
claimed as skipped, as the node sweep does."""

from datetime import date

from sqlmodel import Session

from models.assignments import assign_expert
from models.review import ReviewAssignment
from models.roles import Role
from schedules.calendar import WorkingCalendar
from schedules.review_sweep import sweep_reviews
from tests import factories
from tests.factories import DECLARATION_DAY
from tests.models import lifecycle_paths as paths
from tests.schedules.builders import claims as claimed
from tests.schedules.builders import escalations, morning

CAL = WorkingCalendar()
DUE = date(2022, 7, 15)


def under_review(session: Session, due: date) -> ReviewAssignment:
    """A declaration under review and an expert's open assignment on it, due on `due`."""
    cast = factories.cast(session)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    return assign_expert(
        session,
        project=cast.project,
        expert=factories.expert(session),
        due_date=due,
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=DECLARATION_DAY,
    )


def claims(session: Session, ids: set[int]) -> list[tuple[int, str, bool]]:
    return claimed(session, ids, "review_assignment")


def reminders(session: Session, ids: set[int]) -> list[tuple[int, str, str]]:
    return escalations(session, ids, "review_assignment")


def test_a_review_sweep_ten_working_days_late_tells_only_the_highest_rung(session: Session) -> None:
    long_late = under_review(session, DUE)
    less_late = under_review(session, CAL.add_working_days(DUE, 5))  # due later: 5 working days late on `back_on`
    assert long_late.id is not None and less_late.id is not None
    ids = {long_late.id, less_late.id}
    reminder_day = CAL.add_working_days(DUE, -3)
    back_on = CAL.add_working_days(DUE, 10)  # the sweeps stopped after the reminder: 10 working days down
    sweep_reviews(session, as_of=reminder_day, now=morning(reminder_day))
    assert reminders(session, ids) == [(long_late.id, "reminder", "expert")]

    result = sweep_reviews(session, as_of=back_on, now=morning(back_on))

    assert reminders(session, ids) == sorted(
        [
            (long_late.id, "reminder", "expert"),
            (long_late.id, "late-10", "city_coordinator"),  # late-1 and late-5 are skipped
            (less_late.id, "late-5", "city_coordinator"),  # late-1 is skipped; its reminder had passed
        ]
    )
    assert claims(session, ids) == sorted(
        [
            (long_late.id, "reminder", False),
            (long_late.id, "late-1", True),
            (long_late.id, "late-5", True),
            (long_late.id, "late-10", False),
            (less_late.id, "late-1", True),
            (less_late.id, "late-5", False),
        ]
    )
    assert (result.claimed, result.skipped, result.notices) == (
        {"late-10": 1, "late-5": 1},
        {"late-1": 2, "late-5": 1},
        2,
    )

    rerun = sweep_reviews(session, as_of=back_on, now=morning(back_on))

    assert (rerun.claimed, rerun.skipped, rerun.notices) == ({}, {}, 0)
    assert len(reminders(session, ids)) == 3 and len(claims(session, ids)) == 6


def test_daily_review_sweeps_skip_nothing(session: Session) -> None:
    assignment = under_review(session, DUE)
    assert assignment.id is not None
    day = CAL.add_working_days(DUE, -3)
    while day <= CAL.add_working_days(DUE, 10):
        assert sweep_reviews(session, as_of=day, now=morning(day)).skipped == {}
        day = date.fromordinal(day.toordinal() + 1)
    rungs = ("reminder", "late-1", "late-5", "late-10")
    assert claims(session, {assignment.id}) == sorted((assignment.id, rung, False) for rung in rungs)
    assert reminders(session, {assignment.id}) == sorted(
        [
            (assignment.id, "reminder", "expert"),
            (assignment.id, "late-1", "expert"),
            (assignment.id, "late-5", "city_coordinator"),
            (assignment.id, "late-10", "city_coordinator"),
        ]
    )
