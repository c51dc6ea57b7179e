"""Projects in implementation and the sweep's notices, for the deadline-engine tests."""

from datetime import date, datetime, time

from sqlalchemy import select
from sqlmodel import Session

from models.dates import SHANGHAI
from models.escalation import EscalationClaim
from models.node import Node
from models.outbox import OutboxMessage
from models.programme import Programme
from models.roles import Role
from service.transitions import grant_extension
from tests import factories
from tests.factories import DECLARATION_DAY, Cast, fire

IMPLEMENTATION_START = date(2022, 9, 27)
TO_CONTRACTED = ["submit", "confirm_eligibility", "open_review", "select", "contract"]
EVENT_ROLES = {
    "submit": Role.ORGANISATION,
    "confirm_eligibility": Role.DISTRICT_BUREAU,
    "open_review": Role.CITY_COORDINATOR,
    "select": Role.CITY_COORDINATOR,
    "contract": Role.CITY_COORDINATOR,
    "start": Role.DISTRICT_BUREAU,
    "suspend": Role.DISTRICT_BUREAU,
    "resume": Role.DISTRICT_BUREAU,
}


def morning(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)


def started_project(
    session: Session,
    *,
    programme: Programme | None = None,
    district_name: str = "城关区",
    start_day: date = IMPLEMENTATION_START,
    declared_at: datetime = DECLARATION_DAY,
) -> Cast:
    """A project (Lanzhou 2022 by default) whose implementation started on `start_day` (its nodes are planned then)."""
    cast = factories.cast(session, programme=programme, district_name=district_name)
    for event in TO_CONTRACTED:
        now = factories.in_phase(session, cast.project, event, declared_at)
        fire(session, cast.project, event, cast.actor(EVENT_ROLES[event]), now=now, lifecycle="project")
    fire(session, cast.project, "start", cast.actor(Role.DISTRICT_BUREAU), now=morning(start_day), lifecycle="project")
    return cast


def project_event(session: Session, cast: Cast, event: str, day: date) -> None:
    fire(session, cast.project, event, cast.actor(EVENT_ROLES[event]), now=morning(day), lifecycle="project")


def approve_node(session: Session, cast: Cast, node: Node, day: date) -> None:
    """The organisation submits, the community confirms and the district approves, all on `day`."""
    for event, role in (("submit", Role.ORGANISATION), ("confirm", Role.COMMUNITY), ("approve", Role.DISTRICT_BUREAU)):
        fire(session, node, event, cast.actor(role), now=morning(day), lifecycle="node")


def extend_node(session: Session, cast: Cast, node: Node, new_due: date, *, on: date, reason: str) -> None:
    """The coordinator grants an extension of the node to `new_due` on the morning of `on`."""
    grant_extension(
        session,
        node,
        new_due=new_due,
        actor=cast.actor(Role.CITY_COORDINATOR),
        expected_version=node.version,
        now=morning(on),
        reason=reason,
    )


def waive_node(session: Session, cast: Cast, node: Node, day: date) -> None:
    fire(session, node, "waive", cast.actor(Role.CITY_COORDINATOR), now=morning(day), lifecycle="node")


def escalations(session: Session, node_ids: set[int], entity_type: str = "node") -> list[tuple[int, str, str]]:
    """(node, rung, party) of every escalation notice about these nodes (or review assignments), duplicates kept."""
    rows = session.execute(
        select(OutboxMessage.entity_id, OutboxMessage.dedupe_key, OutboxMessage.recipient_party).where(
            OutboxMessage.entity_type == entity_type,
            OutboxMessage.entity_id.in_(node_ids),  # type: ignore[attr-defined]
            OutboxMessage.dedupe_key.like("escalation:%"),  # type: ignore[union-attr]
        )
    ).all()
    return sorted((row.entity_id, row.dedupe_key.split(":")[3], row.recipient_party) for row in rows)


def claims(session: Session, ids: set[int], entity_type: str = "node") -> list[tuple[int, str, bool]]:
    """(node or review assignment, rung, skipped) of every claimed rung."""
    rows = session.execute(
        select(EscalationClaim.entity_id, EscalationClaim.rung_code, EscalationClaim.skipped).where(
            EscalationClaim.entity_type == entity_type,
            EscalationClaim.entity_id.in_(ids),  # type: ignore[attr-defined]
        )
    ).all()
    return sorted((row.entity_id, row.rung_code, bool(row.skipped)) for row in rows)
