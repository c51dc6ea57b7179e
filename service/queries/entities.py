"""The three lifecycle resources of the API by their URL name, and the audit trail of each entity."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.errors import DomainError
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.roles import Actor
from models.scope import project_of
from models.statemachine import Lifecycle
from service.queries.nodes import get_node
from service.queries.projects import blind_programmes, get_project
from service.queries.reviews import get_assignment


class Resource(StrEnum):
    PROJECTS = "projects"
    NODES = "nodes"
    REVIEW_ASSIGNMENTS = "review-assignments"


LIFECYCLE_OF: dict[Resource, Lifecycle] = {
    Resource.PROJECTS: PROJECT,
    Resource.NODES: NODE,
    Resource.REVIEW_ASSIGNMENTS: REVIEW_ASSIGNMENT,
}

AUDIT_EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("at", "时间"),
    ("event_label", "操作"),
    ("from_state_label", "原状态"),
    ("to_state_label", "新状态"),
    ("actor_id", "操作人"),
    ("actor_role", "角色"),
    ("reason", "理由"),
]


def visible_entity(session: Session, *, actor: Actor, resource: Resource, entity_id: int) -> Any:
    """The entity if it exists and is in the actor's scope; otherwise 'not found'."""
    if resource is Resource.PROJECTS:
        return get_project(session, actor=actor, project_id=entity_id)
    if resource is Resource.NODES:
        return get_node(session, actor=actor, node_id=entity_id)
    return get_assignment(session, actor=actor, assignment_id=entity_id)


class BlindReview(DomainError):
    """Who did what would name the organisation, which a blind review hides from its experts."""

    code = "blind_review"
    status = 403


class AuditEventPublic(BaseModel):
    id: int
    event: str
    event_label: str
    from_state: str | None
    from_state_label: str | None
    to_state: str
    to_state_label: str
    entity_version: int
    actor_id: str
    actor_role: str
    on_behalf_of: str | None
    reason: str | None
    at: datetime
    details: dict[str, Any]


def audit_trail(session: Session, *, actor: Actor, resource: Resource, entity_id: int) -> list[AuditEventPublic]:
    """Who did what to the entity, oldest first; not for a blind review's experts (actors and reasons name parties)."""
    entity = visible_entity(session, actor=actor, resource=resource, entity_id=entity_id)
    if blind_programmes(session, actor, {project_of(session, entity).programme_id}):
        raise BlindReview("本批次实行盲评，评审专家不能查看申报及评审任务的操作记录")
    lifecycle = LIFECYCLE_OF[resource]
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_type == lifecycle.name, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    rows = []
    for audit in events:
        assert audit.id is not None
        declared = lifecycle.event(audit.event)
        rows.append(
            AuditEventPublic(
                id=audit.id,
                event=audit.event,
                event_label=declared.label if declared else ("创建" if audit.event == "create" else audit.event),
                from_state=audit.from_state,
                from_state_label=lifecycle.states.get(audit.from_state) if audit.from_state else None,
                to_state=audit.to_state,
                to_state_label=lifecycle.states.get(audit.to_state, audit.to_state),
                entity_version=audit.entity_version,
                actor_id=audit.actor_id,
                actor_role=audit.actor_role,
                on_behalf_of=audit.on_behalf_of,
                reason=audit.reason,
                at=audit.at,
                details=audit.details,
            )
        )
    return rows
