"""The node report screens: state, due date and every version; submit with attachments, the community's opinion,
approval or return with a reason, and the attachments for everyone who sees the node, all through the API's use
cases (`node_detail`, `attach_to_node`, `fire_action`, `node_attachment`) with its permissions and scope."""

import types
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from models.dates import shanghai_date
from models.lifecycles import NODE
from models.payloads import InvalidPayload
from models.roles import Actor
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.api.params import EntityId
from service.api.routes.nodes import AttachmentName
from service.commands.actions import ActionRequest, fire_action
from service.commands.uploads import Upload, attach_to_node
from service.console.refusals import ConsoleRoute, error_page
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import PAGE_HEADERS, is_htmx, render
from service.fields import text
from service.files import ATTACHMENT, MIB, download
from service.queries.entities import BlindReview, Resource, audit_trail
from service.queries.nodes import node_attachment, node_detail
from service.queries.projects import get_project

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
EventName = text(40, min_length=1)
FieldKind = Literal["text", "files", "lines", "date", "number"]
# Payload fields that cite uploaded files: the form offers a file input and uploads each file first.
UPLOADED = frozenset({"attachments"})
REASON = "reason"
FILES_HINT = f"可选多个文件：{'、'.join(sorted(ATTACHMENT.signatures))}，每个至多 {ATTACHMENT.max_bytes // MIB} MB"


@dataclass(frozen=True)
class PayloadField:
    """One input of an action's form, read from the field its payload model declares."""

    name: str
    label: str
    hint: str
    kind: FieldKind
    required: bool


def _kind(name: str, annotation: Any) -> FieldKind | None:
    """The input a declared type asks for; None for shapes a form does not carry (maps of scores)."""
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    if get_origin(annotation) is list:
        return "files" if name in UPLOADED else "lines"
    if annotation is date:
        return "date"
    if annotation is int:
        return "number"
    if annotation is str:
        return "text"
    return None


def payload_fields(model: type[BaseModel]) -> list[PayloadField] | None:
    """The form of an event's payload from its model's fields and descriptions; None when one cannot be a form."""
    fields = []
    for name, info in model.model_fields.items():
        kind = _kind(name, info.annotation)
        if kind is None:
            return None
        described = info.description or name
        label = described.split("（")[0].split("：")[0]
        hint = (
            FILES_HINT
            if kind == "files"
            else described.removeprefix(label).replace("（", "").replace("）", "").strip("：；")
        )
        fields.append(PayloadField(name, label, hint, kind, info.is_required()))
    return fields


def action_forms(allowed: list[Any]) -> dict[str, list[PayloadField] | None]:
    declared = {action.event: NODE.event(action.event) for action in allowed}
    return {name: payload_fields(event.payload) if event else None for name, event in declared.items()}


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
        "forms": action_forms(node.allowed_actions),
        "closed": node.state in NODE.group("closed"),
        "audit": audit,
        "file_name": lambda reference: PurePosixPath(reference).name,
    }


@router.get("/console/nodes/{node_id}")
def node_page(
    request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor, node_id: EntityId
) -> Response:
    view = node_view(session, actor=actor, node_id=node_id, now=now)
    return render(request, "console/node.html", user=user, done_label=_label(request.query_params.get("done")), **view)


@router.get("/console/nodes/{node_id}/attachments/{name}")
def node_file(
    session: SessionDep, settings: SettingsDep, actor: ConsoleActor, node_id: EntityId, name: AttachmentName
) -> Response:
    """The API's download use case: whoever sees the node gets the file, anyone else the not-found page."""
    path, filename = node_attachment(session, actor=actor, node_id=node_id, name=name, files_dir=settings.files_dir)
    response = download(path.read_bytes(), filename=filename)
    response.headers.update(PAGE_HEADERS)
    return response


async def form_data(request: Request) -> FormData:
    """The posted form, parsed once (the CSRF check read the same), for fields known only from the event."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(form_data)]


@router.post("/console/nodes/{node_id}/actions/{event}", dependencies=[CsrfChecked])
def node_action(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    node_id: EntityId,
    event: EventName,  # type: ignore[valid-type]
    form: PostedForm,
) -> Response:
    """Uploads through the API's upload use case, then the API's action use case with the files they returned."""
    declared = NODE.event(event)
    fields = payload_fields(declared.payload) if declared else []
    if fields is None:
        return error_page(request, status=422, message="该操作不能在此页面办理，请使用接口")
    reason = _text(form, REASON)
    missing = [field.label for field in fields if field.required and not _given(form, field)]
    if declared is not None and declared.needs_reason and not reason:
        missing.append("理由")
    if missing:
        return error_page(request, status=422, message=f"请填写：{'、'.join(missing)}")
    try:
        expected_version = int(_text(form, "expected_version"))
        payload = {field.name: value for field in fields if (value := _value(form, field)) is not None}
        action = ActionRequest(expected_version=expected_version, reason=reason or None, payload=payload)
    except (ValueError, ValidationError):
        return error_page(request, status=422, message="页面已过期或理由含有控制字符、超过 2000 字，请刷新后重试")
    try:
        for field in fields:
            if field.kind == "files":
                action.payload[field.name] = _upload(session, form, field.name, node_id, actor, settings.files_dir)
        outcome = fire_action(
            session,
            resource=Resource.NODES,
            entity_id=node_id,
            event=event,
            request=action,
            actor=actor,
            now=now,
            files_dir=settings.files_dir,
        )
    except InvalidPayload as exc:
        labels = {field.name: field.label for field in fields}
        words = [f"{labels.get(at.removeprefix('payload.').split('.')[0], at)}：{why}" for at, why in exc.fields]
        return error_page(request, status=422, message="；".join(words))
    if not is_htmx(request):
        return RedirectResponse(f"/console/nodes/{node_id}?done={outcome.event}", status_code=303)
    view = node_view(session, actor=actor, node_id=node_id, now=now)
    return render(request, "console/_node.html", user=user, done_label=_label(outcome.event), clear_flash=True, **view)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _files(form: FormData, name: str) -> list[UploadFile]:
    return [item for item in form.getlist(name) if isinstance(item, UploadFile) and item.filename]


def _given(form: FormData, field: PayloadField) -> bool:
    return bool(_files(form, field.name)) if field.kind == "files" else bool(_text(form, field.name))


def _value(form: FormData, field: PayloadField) -> Any:
    """What the form gives for the field, as the payload model reads it; None when left empty."""
    if field.kind == "files":
        return []  # filled with the uploads' paths once everything else is known to be well formed
    given = _text(form, field.name)
    if field.kind == "lines":
        return [line.strip() for line in given.splitlines() if line.strip()] or None
    return given or None


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
        for item in _files(form, name)
    ]


def _label(event: str | None) -> str | None:
    """The zh-CN name of the action just done, for the confirmation line."""
    declared = NODE.event(event) if event else None
    return declared.label if declared else None
