"""The project page every notice links to, and its action buttons: the API's detail, nodes, audit trail and
action use case, seen and fired with the same permissions and scope."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from models.dates import shanghai_date
from models.lifecycles import NODE, PROJECT
from models.roles import Actor, Role
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.api.params import EntityId
from service.commands.actions import ActionRequest, fire_action
from service.console.refusals import ConsoleRoute, error_page
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import is_htmx, render
from service.fields import text
from service.queries.entities import BlindReview, Resource, audit_trail
from service.queries.nodes import project_nodes
from service.queries.projects import project_detail

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
EventName = text(40, min_length=1)
# A node whose due date was moved by an extension (a declared event that keeps the state).
MOVED_BY = frozenset({"extend"})


def project_view(session: Session, *, actor: Actor, project_id: int, now: datetime) -> dict[str, Any]:
    """Everything the page shows, each part from the use case the API serves it with."""
    today = shanghai_date(now)
    detail = project_detail(session, actor=actor, project_id=project_id, today=today, now=now)
    try:
        audit = audit_trail(session, actor=actor, resource=Resource.PROJECTS, entity_id=project_id)
        audit_hidden = None
    except BlindReview as exc:
        audit, audit_hidden = [], exc.message
    nodes = [] if actor.role is Role.EXPERT else project_nodes(session, actor=actor, project_id=project_id, today=today)
    moved = {node.id for node in nodes if _moved(session, actor, node.id)}
    visited = {row.to_state for row in audit}
    return {
        "project": detail,
        "nodes": nodes,
        "moved": moved,
        "closed_node_states": NODE.group("closed"),
        "audit": audit,
        "audit_hidden": audit_hidden,
        "lifecycle": [
            {"state": state, "label": label, "current": state == detail.state, "visited": state in visited}
            for state, label in PROJECT.states.items()
        ],
        "budget_total_fen": sum(line.amount_fen for line in detail.budget_lines),
        "today": today,
    }


def _moved(session: Session, actor: Actor, node_id: int) -> bool:
    """Whether the node's own trail shows its due date moved by an extension."""
    trail = audit_trail(session, actor=actor, resource=Resource.NODES, entity_id=node_id)
    return any(row.event in MOVED_BY for row in trail)


@router.get("/console/projects/{project_id}")
def project_page(
    request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor, project_id: EntityId
) -> Response:
    view = project_view(session, actor=actor, project_id=project_id, now=now)
    done = request.query_params.get("done")
    return render(request, "console/project.html", user=user, done_label=_label(done), **view)


@router.post("/console/projects/{project_id}/actions/{event}", dependencies=[CsrfChecked])
def project_action(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    project_id: EntityId,
    event: EventName,  # type: ignore[valid-type]
    expected_version: Annotated[int, Form(ge=0)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The API's action use case (`fire_action`): scope, role, state, version and rules are all checked there."""
    try:
        action = ActionRequest(expected_version=expected_version, reason=reason.strip() or None)
    except ValidationError:
        return error_page(request, status=422, message="理由不能包含控制字符，且至多 2000 字")
    outcome = fire_action(
        session,
        resource=Resource.PROJECTS,
        entity_id=project_id,
        event=event,
        request=action,
        actor=actor,
        now=now,
        files_dir=settings.files_dir,
    )
    if not is_htmx(request):
        return RedirectResponse(f"/console/projects/{project_id}?done={outcome.event}", status_code=303)
    view = project_view(session, actor=actor, project_id=project_id, now=now)
    return render(request, "console/_project.html", user=user, done_label=_label(outcome.event), **view)


def _label(event: str | None) -> str | None:
    """The zh-CN name of the action just done, for the confirmation line."""
    declared = PROJECT.event(event) if event else None
    return declared.label if declared else None
