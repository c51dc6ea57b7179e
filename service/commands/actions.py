"""Firing a lifecycle action on a project, node report or review assignment: transition(), then commit."""

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor
from service.errors import InvalidInput
from service.files import attachment_exists, attachment_prefix
from service.queries.common import StateView, state_view
from service.queries.entities import LIFECYCLE_OF, Resource, visible_entity
from service.transitions import transition


class ActionRequest(BaseModel):
    expected_version: int
    reason: str | None = None
    payload: dict[str, Any] = {}


class ActionOutcome(StateView):
    resource: Resource
    id: int
    event: str
    audit_id: int


def fire_action(
    session: Session,
    *,
    resource: Resource,
    entity_id: int,
    event: str,
    request: ActionRequest,
    actor: Actor,
    now: datetime,
    files_dir: Path,
) -> ActionOutcome:
    """Scope first (404 whatever the event), then the one transition function; committed only if it succeeds."""
    entity = visible_entity(session, actor=actor, resource=resource, entity_id=entity_id)
    result = transition(
        session,
        entity,
        event,
        actor=actor,
        expected_version=request.expected_version,
        now=now,
        reason=request.reason,
        payload=request.payload,
    )
    if resource is Resource.NODES:
        _check_attachments(request.payload, entity_id, files_dir)  # a refusal here rolls the transition back
    session.commit()
    assert result.audit.id is not None
    return ActionOutcome(
        resource=resource,
        id=entity_id,
        event=event,
        audit_id=result.audit.id,
        **state_view(LIFECYCLE_OF[resource], result.entity, actor),
    )


def _check_attachments(payload: dict[str, Any], node_id: int, files_dir: Path) -> None:
    """A report cites only files uploaded for this node."""
    attachments = payload.get("attachments", [])
    if not isinstance(attachments, list):
        raise InvalidInput("附件应为已上传文件的路径列表")
    for reference in attachments:
        if not (
            isinstance(reference, str)
            and reference.startswith(attachment_prefix(node_id))
            and attachment_exists(files_dir, reference)
        ):
            raise InvalidInput(f"附件“{reference}”不是为本节点上传的文件，请先上传")
