"""Extensions, waivers, suspensions and official calendar years: dates move, rungs are never sent twice."""

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from models.audit import AuditEvent
from models.dates import SHANGHAI
from models.errors import ReasonRequired, RoleNotAllowed, RulesFailed
from models.parties import Party
from models.programme_loader import load_programme, read_programme_file
from models.recipients import project_recipient
from models.roles import Actor, Role
from schedules.addressees import project_facts
from schedules.calendar import WorkingCalendar
from schedules.ladder import node_ladder, review_ladder
from schedules.replanning import load_official_year, shift_after_suspension
from schedules.sweep import sweep
from service.transitions import grant_extension
from tests import factories
from tests.factories import DECLARATION_DAY
from tests.schedules.builders import escalations, morning, project_event, started_project, waive_node

CAL = WorkingCalendar()
SYSTEM = Actor("calendar-loader", Role.ADMIN)


def sweep_days(session: Session, first: date, last: date) -> None:
    day = first
    while day <= last:
        sweep(session, as_of=day, now=morning(day))
        day = date.fromordinal(day.toordinal() + 1)


def test_rung_days_across_national_day_2023() -> None:
    spec = read_programme_file(factories.PROGRAMMES / "lanzhou-2022.yaml")
    ladder = node_ladder(spec)
    due = date(2023, 9, 28)
    days = {r.code: ladder.fires_on(r, due, CAL) for r in ladder.rungs}
    assert days == {
        "reminder": date(2023, 9, 25),
        "late-1": date(2023, 10, 7),  # an adjusted working Saturday
        "late-5": date(2023, 10, 11),
        "late-10": date(2023, 10, 18),
    }
    assert [r.notify for r in review_ladder(spec).rungs] == [
        (Party.EXPERT,),
        (Party.EXPERT,),
        (Party.CITY_COORDINATOR,),
        (Party.CITY_COORDINATOR,),
    ]
    assert [r.template for r in review_ladder(spec).rungs] == ["review_reminder"] + ["review_overdue"] * 3


def test_extension_moves_the_date_without_resending_rungs(session: Session) -> None:
    cast = started_project(session)
    node = factories.nodes(session, cast.project)[0]  # supervision #1, due 2022-12-27
    sweep_days(session, date(2022, 12, 20), date(2022, 12, 28))
    assert {r for _, r, _ in escalations(session, {node.id})} == {"reminder", "late-1"}  # type: ignore[arg-type]

    coordinator = cast.actor(Role.CITY_COORDINATOR)
    with pytest.raises(RoleNotAllowed):
        grant_extension(
            session,
            node,
            new_due=date(2023, 1, 20),
            actor=cast.actor(Role.DISTRICT_BUREAU),
            expected_version=node.version,
            now=morning(date(2022, 12, 29)),
            reason="疫情",
        )
    with pytest.raises(ReasonRequired):
        grant_extension(
            session,
            node,
            new_due=date(2023, 1, 20),
            actor=coordinator,
            expected_version=node.version,
            now=morning(date(2022, 12, 29)),
            reason=" ",
        )
    with pytest.raises(RulesFailed):
        grant_extension(
            session,
            node,
            new_due=date(2022, 12, 1),
            actor=coordinator,
            expected_version=node.version,
            now=morning(date(2022, 12, 29)),
            reason="疫情",
        )
    move = grant_extension(
        session,
        node,
        new_due=date(2023, 1, 20),
        actor=coordinator,
        expected_version=node.version,
        now=morning(date(2022, 12, 29)),
        reason="疫情防控，延期报送",
    )
    session.commit()
    assert (move.from_due, move.to_due) == (date(2022, 12, 27), date(2023, 1, 20))
    session.refresh(node)
    assert node.due_date == date(2023, 1, 20)
    # reminder and late-1 were sent: the next rung is late-5, counted from the new date
    assert (node.next_rung_index, node.next_rung_on) == (2, CAL.add_working_days(date(2023, 1, 20), 5))
    audit = session.execute(
        select(AuditEvent).where(
            AuditEvent.entity_type == "node", AuditEvent.entity_id == node.id, AuditEvent.event == "extend"
        )
    ).scalar_one()
    assert (audit.reason, audit.actor_role, audit.details["from_due"], audit.details["to_due"]) == (
        "疫情防控，延期报送",
        "city_coordinator",
        "2022-12-27",
        "2023-01-20",
    )
    assert audit.entity_version == node.version

    sweep_days(session, date(2022, 12, 29), date(2023, 2, 20))
    notices = escalations(session, {node.id})  # type: ignore[arg-type]
    assert [r for _, r, _ in notices].count("late-1") == 2  # community and street office, once each
    assert [r for _, r, _ in notices].count("reminder") == 1
    assert {r for _, r, _ in notices} == {"reminder", "late-1", "late-5", "late-10"}


def test_waived_node_and_suspended_project_do_not_escalate(session: Session) -> None:
    waived, paused = started_project(session), started_project(session)
    waived_node = factories.nodes(session, waived.project)[0]
    waive_node(session, waived, waived_node, date(2022, 12, 1))
    project_event(session, paused, "suspend", date(2022, 12, 1))
    sweep_days(session, date(2022, 12, 1), date(2023, 1, 20))
    node_ids = {n.id for c in (waived, paused) for n in factories.nodes(session, c.project)}
    assert escalations(session, node_ids) == []  # type: ignore[arg-type]
    session.refresh(waived_node)
    assert waived_node.next_rung_on is None  # retired from the index by the sweep


def test_resume_moves_open_nodes_by_the_working_days_lost(session: Session) -> None:
    cast = started_project(session)
    first = factories.nodes(session, cast.project)[0]
    factories.fire(
        session, first, "submit", cast.actor(Role.ORGANISATION), now=morning(date(2022, 11, 1)), lifecycle="node"
    )
    for event, role in (("confirm", Role.COMMUNITY), ("approve", Role.DISTRICT_BUREAU)):
        factories.fire(session, first, event, cast.actor(role), now=morning(date(2022, 11, 1)), lifecycle="node")
    project_event(session, cast, "suspend", date(2022, 12, 1))
    before = {n.id: n.due_date for n in factories.nodes(session, cast.project)}
    moves = shift_after_suspension(
        session,
        cast.project,
        suspended_on=date(2022, 12, 1),
        resumed_on=date(2022, 12, 15),
        actor=cast.actor(Role.DISTRICT_BUREAU),
        now=morning(date(2022, 12, 15)),
        reason="恢复实施",
    )
    lost = CAL.working_days_between(date(2022, 12, 1), date(2022, 12, 15))
    assert lost == 10
    assert first.id not in {m.node_id for m in moves}  # done nodes stay
    assert len(moves) == len(before) - 1
    for move in moves:
        assert move.to_due == CAL.add_working_days(before[move.node_id], lost)
    audits = (
        session.execute(
            select(AuditEvent).where(AuditEvent.event == "replan", AuditEvent.entity_id.in_([m.node_id for m in moves]))  # type: ignore[attr-defined]
        )
        .scalars()
        .all()
    )
    assert len(audits) == len(moves) and {a.reason for a in audits} == {"恢复实施"}


OFFICIAL_2027 = """\
year: 2027
source: 测试用的2027年节假日安排
holidays:
  - {name: 端午节, start: 2027-06-09, end: 2027-06-11}
working_days:
  - {name: 端午节调休上班, day: 2027-06-12}
"""


def test_provisional_year_is_replanned_when_the_official_schedule_is_loaded(session: Session, tmp_path: Path) -> None:
    source = (factories.PROGRAMMES / "lanzhou-2022.yaml").read_text(encoding="utf-8")
    text = (
        source.replace("code: lanzhou-2022", f"code: {factories.unique('lz-').lower()}")
        .replace(
            "declaration: {start: 2022-05-31, end: 2022-08-30}", "declaration: {start: 2022-05-31, end: 2027-02-28}"
        )
        .replace(
            "implementation: {start: 2022-09-27, end: 2023-09-27}",
            "implementation: {start: 2027-03-09, end: 2027-12-09}",
        )
        .replace("acceptance: {start: 2023-09-05, end: 2023-09-30}", "acceptance: {start: 2027-12-01, end: 2027-12-30}")
    )
    path = tmp_path / "later.yaml"
    path.write_text(text, encoding="utf-8")
    programme = load_programme(session, path, now=DECLARATION_DAY)
    cast = started_project(session, programme=programme, start_day=date(2027, 3, 9))
    nodes = factories.nodes(session, cast.project)
    assert nodes and all(n.provisional for n in nodes)
    june = next(n for n in nodes if n.kind == "supervision" and n.sequence == 1)
    assert june.due_date == date(2027, 6, 9)  # a Wednesday, weekends-only

    official = tmp_path / "2027.yaml"
    official.write_text(OFFICIAL_2027, encoding="utf-8")
    year, moves = load_official_year(session, official, actor=SYSTEM, now=datetime(2026, 12, 1, tzinfo=SHANGHAI))
    session.commit()
    assert year.year == 2027
    for node in nodes:
        session.refresh(node)
    assert not any(n.provisional for n in nodes)
    assert june.due_date == date(2027, 6, 12)  # the holiday rolls it to the adjusted working Saturday
    assert {m.node_id for m in moves} == {n.id for n in nodes}
    moved = next(m for m in moves if m.node_id == june.id)
    assert (moved.from_due, moved.to_due) == (date(2027, 6, 9), date(2027, 6, 12))
    audit = session.execute(
        select(AuditEvent).where(AuditEvent.entity_id == june.id, AuditEvent.event == "replan")
    ).scalar_one()
    assert "2027年节假日安排已正式公布" in (audit.reason or "")
    # A second load changes nothing.
    _, again = load_official_year(session, official, actor=SYSTEM, now=datetime(2026, 12, 2, tzinfo=SHANGHAI))
    assert again == []


def test_bulk_addressees_match_project_recipient(session: Session) -> None:
    cast = started_project(session, district_name="红古区")
    facts = project_facts(session, [cast.project.id])[cast.project.id]  # type: ignore[list-item, index]
    for party in (
        Party.ORGANISATION,
        Party.COMMUNITY,
        Party.STREET_OFFICE,
        Party.DISTRICT_BUREAU,
        Party.CITY_COORDINATOR,
    ):
        assert facts.recipients[party] == project_recipient(session, cast.project, party)
    assert facts.district_name == "红古区"


def test_the_resume_transition_shifts_open_nodes(session: Session) -> None:
    cast = started_project(session)
    before = {n.id: n.due_date for n in factories.nodes(session, cast.project)}
    project_event(session, cast, "suspend", date(2022, 12, 1))
    project_event(session, cast, "resume", date(2022, 12, 15))
    after = {n.id: n.due_date for n in factories.nodes(session, cast.project)}
    assert after == {node_id: CAL.add_working_days(due, 10) for node_id, due in before.items()}
    resumed = session.execute(
        select(AuditEvent).where(AuditEvent.entity_id == cast.project.id, AuditEvent.event == "resume")
    ).scalar_one()
    assert resumed.details == {"nodes_moved": len(before)}
