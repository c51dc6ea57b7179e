"""After days without a sweep, a node is told only its highest rung now due; the lower ones are claimed as skipped."""

from datetime import date

from sqlmodel import Session

from schedules.calendar import WorkingCalendar
from schedules.sweep import sweep
from tests import factories
from tests.schedules.builders import claims, escalations, extend_node, morning, started_project

CAL = WorkingCalendar()


def test_a_sweep_after_ten_working_days_down_tells_only_the_highest_rung(session: Session) -> None:
    programme = factories.lanzhou(session)
    long_late = started_project(session, programme=programme, district_name="七里河区")
    less_late = started_project(session, programme=programme, district_name="七里河区")
    first = factories.nodes(session, long_late.project)[0]
    other = factories.nodes(session, less_late.project)[0]
    assert first.due_date == other.due_date and first.id is not None and other.id is not None
    reminder_day = CAL.add_working_days(first.due_date, -3)
    back_on = CAL.add_working_days(first.due_date, 10)  # the sweeps stopped after the reminder: 10 working days down
    # The other node was extended by 5 working days: on the day the sweeps come back it is only 5 days late.
    extend_node(session, less_late, other, CAL.add_working_days(other.due_date, 5), on=reminder_day, reason="社区换届")
    sweep(session, as_of=reminder_day, now=morning(reminder_day))
    nodes = {first.id, other.id}
    assert escalations(session, nodes) == [(first.id, "reminder", "organisation")]

    result = sweep(session, as_of=back_on, now=morning(back_on))

    assert escalations(session, nodes) == sorted(
        [
            (first.id, "reminder", "organisation"),
            (first.id, "late-10", "city_coordinator"),  # late-1 and late-5 are skipped
            (other.id, "late-5", "district_bureau"),  # late-1 is skipped; its reminder had passed, as before
        ]
    )
    assert claims(session, nodes) == sorted(
        [
            (first.id, "reminder", False),
            (first.id, "late-1", True),
            (first.id, "late-5", True),
            (first.id, "late-10", False),
            (other.id, "late-1", True),
            (other.id, "late-5", False),
        ]
    )
    assert result.claimed_by_district() == {"七里河区": {"late-10": 1, "late-5": 1}}
    assert result.skipped_by_district() == {"七里河区": {"late-1": 2, "late-5": 1}}
    assert result.outcome.notices == 2
    session.refresh(first)
    session.refresh(other)
    assert (first.next_rung_index, first.next_rung_on) == (None, None)  # the ladder is spent
    assert (other.next_rung_index, other.next_rung_on) == (3, CAL.add_working_days(other.due_date, 10))

    rerun = sweep(session, as_of=back_on, now=morning(back_on))

    assert (rerun.due_nodes, rerun.outcome.notices, rerun.claimed_by_district(), rerun.skipped_by_district()) == (
        0,
        0,
        {},
        {},
    )
    assert len(escalations(session, nodes)) == 3 and len(claims(session, nodes)) == 6


def test_daily_sweeps_skip_nothing(session: Session) -> None:
    cast = started_project(session, district_name="西固区")
    node = factories.nodes(session, cast.project)[0]
    assert node.id is not None
    day = CAL.add_working_days(node.due_date, -3)
    while day <= CAL.add_working_days(node.due_date, 10):
        sweep(session, as_of=day, now=morning(day))
        day = date.fromordinal(day.toordinal() + 1)
    assert claims(session, {node.id}) == sorted(
        (node.id, rung, False) for rung in ("reminder", "late-1", "late-5", "late-10")
    )
    assert {rung for _, rung, _ in escalations(session, {node.id})} == {"reminder", "late-1", "late-5", "late-10"}
