"""The node report screens: state, due date and every version; submit with attachments, the community's opinion,
approval or return with a reason, and the attachments for everyone who sees the node, all through the API's use
cases (`node_detail`, `attach_to_node`, `fire_action`, `node_attachment`) with its permissions and scope."""

from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from models.dates import shanghai_date
from models.lifecycles import NODE
from models.roles import Actor
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.api.params import EntityId
from service.api.routes.nodes import AttachmentName
from service.commands.uploads import Upload, attach_to_node
from service.console.action_forms import (
    PostedActionDep,
    Section,
    action_forms,
    answer_posted_action,
    done_label,
    posted_files,
)
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import PAGE_HEADERS, render
from service.files import download
from service.queries.entities import BlindReview, Resource, audit_trail
from service.queries.nodes import node_attachment, node_detail
from service.queries.projects import get_project

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def node_view(session: Session, *, actor: Actor, node_id: int, now: datetime) -> dict[str, Any]:
    """Everything the page shows, each part from the use case the API serves it with."""
    node = node_detail(session, actor=actor, node_id=node_id, today=shanghai_date(now), now=now)
    project = get_project(session, actor=actor, project_id=node.project_id)
    try:
        audit = audit_trail(session, actor=actor, resource=Resource.NODES, entity_id=node_id)
    except BlindReview:
        audit = []
    return {
        "node": node,
        "project_title": project.title,
        "forms": action_forms(NODE, node.allowed_actions),
        "closed": node.state in NODE.group("closed"),
        "audit": audit,
        "file_name": lambda reference: PurePosixPath(reference).name,
    }


@router.get("/console/nodes/{node_id}")
def node_page(
    request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor, node_id: EntityId
) -> Response:
    view = node_view(session, actor=actor, node_id=node_id, now=now)
    return render(
        request, "console/node.html", user=user, done_label=done_label(NODE, request.query_params.get("done")), **view
    )


@router.get("/console/nodes/{node_id}/attachments/{name}")
def node_file(
    session: SessionDep, settings: SettingsDep, actor: ConsoleActor, node_id: EntityId, name: AttachmentName
) -> Response:
    """The API's download use case: whoever sees the node gets the file, anyone else the not-found page."""
    path, filename = node_attachment(session, actor=actor, node_id=node_id, name=name, files_dir=settings.files_dir)
    response = download(path.read_bytes(), filename=filename)
    response.headers.update(PAGE_HEADERS)
    return response


@router.post("/console/nodes/{node_id}/actions/{event}", dependencies=[CsrfChecked])
def node_action(posted: PostedActionDep, user: ConsoleUser, node_id: EntityId) -> Response:
    """Uploads through the API's upload use case, then the API's action use case with the files they returned."""

    def upload(form: FormData, name: str) -> list[str]:
        return _upload(posted.session, form, name, node_id, posted.actor, posted.files_dir)

    def view() -> dict[str, Any]:
        return node_view(posted.session, actor=posted.actor, node_id=node_id, now=posted.now)

    return answer_posted_action(
        posted,
        lifecycle=NODE,
        resource=Resource.NODES,
        entity_id=node_id,
        page_url=f"/console/nodes/{node_id}",
        section=Section("console/_node.html", user, view),
        upload=upload,
    )


def _upload(session: Session, form: FormData, name: str, node_id: int, actor: Actor, files_dir: Path) -> list[str]:
    """Each file through the upload use case (role, scope, size, type), as the API's upload route does."""
    return [
        attach_to_node(
            session,
            node_id=node_id,
            file=Upload(item.filename or "attachment", item.file),
            actor=actor,
            files_dir=files_dir,
        ).path
        for item in posted_files(form, name)
    ]
