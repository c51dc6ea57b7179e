"""The audit trail of a project, node report or review assignment, as JSON or .xlsx."""

from typing import Any

from fastapi import APIRouter

from service.api.deps import CurrentActor, SessionDep
from service.api.params import EntityId, Format
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.excel.exporting import export_audit_trail
from service.queries.entities import LIFECYCLE_OF, AuditEventPublic, Resource, audit_trail

router = APIRouter(tags=["audit"])


@router.get("/{resource}/{entity_id}/audit", response_model=list[AuditEventPublic], responses=XLSX_RESPONSES)
def read_audit_trail(
    session: SessionDep, actor: CurrentActor, resource: Resource, entity_id: EntityId, format: Format = "json"
) -> Any:
    events = audit_trail(session, actor=actor, resource=resource, entity_id=entity_id)
    if format == "xlsx":
        lifecycle = LIFECYCLE_OF[resource]
        content = export_audit_trail(session, lifecycle.name, entity_id)
        return xlsx_response(content, filename=f"{lifecycle.label}{entity_id}审计记录")
    return events
