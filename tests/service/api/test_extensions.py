"""Extensions over HTTP: the coordinator moves a node's or a review's due date; audited, and no rung sent twice."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from models.audit import AuditEvent
from models.node import Node
from models.outbox import OutboxMessage
from models.review import ReviewAssignment
from models.roles import Role
from schedules.calendar import WorkingCalendar
from schedules.sweep import sweep
from tests import factories
from tests.schedules.builders import escalations, morning, started_project
from tests.service.api.builders import Api, open_assignment, side, user

V1 = "/api/v1"
CAL = WorkingCalendar()


def test_node_extension_moves_the_date_audits_it_and_sends_no_rung_twice(session: Session, api: Api) -> None:
    cast = started_project(session)
    node = factories.nodes(session, cast.project)[0]  # supervision #1, due 2022-12-27
    for day in (date(2022, 12, 22), date(2022, 12, 28)):  # the reminder, then late-1 to community and street
        sweep(session, as_of=day, now=morning(day))
    sent = escalations(session, {node.id})  # type: ignore[arg-type]
    assert {rung for _, rung, _ in sent} == {"reminder", "late-1"}
    api.clock.now = morning(date(2022, 12, 29))  # before the tokens: they are dated by this clock
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=cast.programme.region_id))
    district = api.headers(user(session, Role.DISTRICT_BUREAU, region_id=cast.actor(Role.DISTRICT_BUREAU).region_id))
    url = f"{V1}/nodes/{node.id}/extension"

    body = {"new_due_date": "2023-01-20", "reason": "疫情防控，延期报送", "expected_version": node.version}
    assert api.client.post(url, headers=district, json=body).status_code == 403
    unversioned = {key: value for key, value in body.items() if key != "expected_version"}
    assert api.client.post(url, headers=coordinator, json=unversioned).status_code == 422  # the version is required
    blank = api.client.post(url, headers=coordinator, json={**body, "reason": "  "})
    assert (blank.status_code, blank.json()["code"]) == (422, "reason_required"), blank.text
    granted = api.client.post(url, headers=coordinator, json=body)
    assert granted.status_code == 200, granted.text
    detail = granted.json()
    assert (detail["due_date"], detail["provisional"], detail["overdue"]) == ("2023-01-20", False, False)
    assert "waive" in {a["event"] for a in detail["allowed_actions"]}

    session.expire_all()
    moved = session.get(Node, node.id)
    assert moved is not None and moved.due_date == date(2023, 1, 20) and moved.version == detail["version"]
    assert moved.next_rung_index == 2  # reminder and late-1 are spent: late-5 is next, from the new date
    audit = session.execute(
        select(AuditEvent).where(
            AuditEvent.entity_id == node.id, AuditEvent.event == "extend", AuditEvent.entity_type == "node"
        )
    ).scalar_one()
    assert (audit.reason, audit.actor_role, audit.details["from_due"], audit.details["to_due"]) == (
        "疫情防控，延期报送",
        "city_coordinator",
        "2022-12-27",
        "2023-01-20",
    )

    for day in (CAL.add_working_days(date(2023, 1, 20), -3), CAL.add_working_days(date(2023, 1, 20), 1)):
        sweep(session, as_of=day, now=morning(day))  # the reminder's and late-1's days again: nothing new
    assert escalations(session, {node.id}) == sent  # type: ignore[arg-type]
    stale = api.client.post(
        url, headers=coordinator, json={**body, "new_due_date": "2023-02-20", "expected_version": 1}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")


def test_review_extension_queues_the_updated_invitation(session: Session, api: Api) -> None:
    world = side(session)
    assignment = open_assignment(session, world)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    url = f"{V1}/review-assignments/{assignment.id}/extension"
    new_due, version = assignment.due_date + timedelta(days=7), assignment.version
    body = {"new_due_date": new_due.isoformat(), "expected_version": version, "reason": "专家出差"}

    assert api.client.post(url, headers=api.headers(world.users[Role.EXPERT]), json=body).status_code == 403
    extended = api.client.post(url, headers=coordinator, json=body)
    assert extended.status_code == 200, extended.text
    assert (extended.json()["due_date"], extended.json()["version"]) == (new_due.isoformat(), version + 1)
    session.expire_all()
    stored = session.get(ReviewAssignment, assignment.id)
    assert stored is not None and stored.due_date == new_due
    (notice,) = (
        session.exec(
            select(OutboxMessage).where(
                OutboxMessage.entity_id == assignment.id,  # type: ignore[arg-type]
                OutboxMessage.template == "review_extended",
            )
        )
        .scalars()
        .all()
    )
    assert (notice.params["due_date"], notice.params["sequence"]) == (new_due.isoformat(), 1)
    assert notice.recipient_address == world.expert.email

    again = api.client.post(url, headers=coordinator, json=body)  # the version it read is gone
    assert (again.status_code, again.json()["code"]) == (409, "stale_version")
    same_day = api.client.post(url, headers=coordinator, json={**body, "expected_version": version + 1})
    assert (same_day.status_code, same_day.json()["code"]) == (422, "rules_failed")  # not later than it is now
