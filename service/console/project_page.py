"""The project page every notice links to, and its action buttons: the API's detail, nodes, audit trail and
action use case, seen and fired with the same permissions and scope."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from models.dates import shanghai_date
from models.lifecycles import NODE, PROJECT
from models.programme_spec import PHASE_LABELS, ProgrammeSpec
from models.roles import Actor, Role
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.console.action_forms import PostedActionDep, Section, action_forms, answer_posted_action, done_label
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.queries.entities import BlindReview, Resource, audit_trail
from service.queries.nodes import node_detail, project_nodes
from service.queries.places import programme_detail
from service.queries.projects import project_detail

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
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
    reported = [node for node in nodes if node.state != NODE.initial]
    files = [
        Document(node.id, node.title, version.number, PurePosixPath(reference).name)
        for node in reported
        for version in node_detail(session, actor=actor, node_id=node.id, today=today, now=now).versions
        for reference in version.attachments
    ]
    visited = {row.to_state for row in audit}
    return {
        "project": detail,
        "forms": action_forms(PROJECT, detail.allowed_actions),
        "nodes": nodes,
        "moved": moved,
        "closed_node_states": NODE.group("closed"),
        "audit": audit,
        "audit_hidden": audit_hidden,
        "lifecycle": [
            {"state": state, "label": label, "current": state == detail.state, "visited": state in visited}
            for state, label in PROJECT.states.items()
        ],
        "documents": files,
        "phases": _phases(session, detail.programme_id, today),
        "budget_total_fen": sum(line.amount_fen for line in detail.budget_lines),
        "today": today,
    }


@dataclass(frozen=True)
class Document:
    """A file of the project: an attachment of one version of one node report, downloaded from the node's page."""

    node_id: int
    node_title: str
    version: int
    name: str


@dataclass(frozen=True)
class Milestone:
    """One phase of the programme, as the project's timeline shows it beside its node reports."""

    label: str
    start: date
    end: date
    standing: str  # 已结束, 进行中 or 未开始, as of the service's today


def _phases(session: Session, programme_id: int, today: date) -> list[Milestone]:
    """The programme's phases from the use case the API serves its programme with, in the order they begin."""
    phases = ProgrammeSpec.model_validate(programme_detail(session, programme_id=programme_id).spec).phases
    found = [(label, phases.window(name)) for name, label in PHASE_LABELS.items()]
    return sorted(
        (
            Milestone(
                label,
                window.start,
                window.end,
                "已结束" if window.end < today else ("进行中" if window.start <= today else "未开始"),
            )
            for label, window in found
        ),
        key=lambda milestone: (milestone.start, milestone.end),
    )


def _moved(session: Session, actor: Actor, node_id: int) -> bool:
    """Whether the node's own trail shows its due date moved by an extension."""
    trail = audit_trail(session, actor=actor, resource=Resource.NODES, entity_id=node_id)
    return any(row.event in MOVED_BY for row in trail)


@router.get("/console/projects/{project_id}")
def project_page(
    request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor, project_id: EntityId
) -> Response:
    view = project_view(session, actor=actor, project_id=project_id, now=now)
    done = done_label(PROJECT, request.query_params.get("done"))
    return render(request, "console/project.html", user=user, done_label=done, **view)


@router.post("/console/projects/{project_id}/actions/{event}", dependencies=[CsrfChecked])
def project_action(posted: PostedActionDep, user: ConsoleUser, project_id: EntityId) -> Response:
    """The API's action use case (`fire_action`): scope, role, state, version, rules and the override are all checked
    there; the form carries the event's payload fields, its reason and, for the roles allowed, the override."""

    def view() -> dict[str, Any]:
        return project_view(posted.session, actor=posted.actor, project_id=project_id, now=posted.now)

    return answer_posted_action(
        posted,
        lifecycle=PROJECT,
        resource=Resource.PROJECTS,
        entity_id=project_id,
        page_url=f"/console/projects/{project_id}",
        section=Section("console/_project.html", user, view),
    )
