"""The action forms of the console's pages: the inputs an event's payload declares, the phase-window override for the
roles allowed it, and the one answer to a posted action (the API's `fire_action`, then a redirect or the section)."""

import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from models.payloads import InvalidPayload
from models.roles import Actor
from models.statemachine import Lifecycle
from models.user import User
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.api.routes.actions import EventName
from service.commands.actions import ActionRequest, fire_action
from service.console.refusals import error_page
from service.console.session import ConsoleActor
from service.console.templating import is_htmx, render
from service.files import ATTACHMENT, MIB
from service.queries.common import ActionPublic
from service.queries.entities import Resource

FieldKind = Literal["text", "files", "lines", "date", "number"]
# Payload fields that cite uploaded files: the form offers a file input and uploads each file first.
UPLOADED = frozenset({"attachments"})
REASON, OVERRIDE = "reason", "override_phase"
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
        label = described.split("（")[0].split("：")[0].split("，")[0]
        hint = (
            FILES_HINT
            if kind == "files"
            else described.removeprefix(label).replace("（", "").replace("）", "").strip("：；，")
        )
        fields.append(PayloadField(name, label, hint, kind, info.is_required()))
    return fields


def action_forms(lifecycle: Lifecycle, allowed: list[ActionPublic]) -> dict[str, list[PayloadField] | None]:
    """Each offered action's inputs, by event name (see `_action_form.html`)."""
    declared = {action.event: lifecycle.event(action.event) for action in allowed}
    return {name: payload_fields(event.payload) if event else None for name, event in declared.items()}


async def form_data(request: Request) -> FormData:
    """The posted form, parsed once (the CSRF check read the same), for fields known only from the event."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(form_data)]
# Files a node's form carries, uploaded through the upload use case once the rest is known to be well formed.
Uploader = Callable[[FormData, str], list[str]]


@dataclass(frozen=True)
class PostedAction:
    """A posted action form and what answering it takes, the same for every page's action route."""

    request: Request
    session: Session
    event: str
    form: FormData
    actor: Actor
    now: datetime
    files_dir: Path


def posted_action(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    actor: ConsoleActor,
    event: EventName,  # type: ignore[valid-type]
    form: PostedForm,
) -> PostedAction:
    return PostedAction(request, session, event, form, actor, now, settings.files_dir)


PostedActionDep = Annotated[PostedAction, Depends(posted_action)]


@dataclass(frozen=True)
class Section:
    """The part of a page an htmx action is answered with: its template, and its view read again after the action."""

    template: str
    user: User
    view: Callable[[], dict[str, Any]]


def _section_answer(posted: PostedAction, lifecycle: Lifecycle, section: Section) -> Callable[[str], Response]:
    def answer(event: str) -> Response:
        done = done_label(lifecycle, event)
        view = section.view()
        return render(posted.request, section.template, user=section.user, done_label=done, clear_flash=True, **view)

    return answer


def answer_posted_action(
    posted: PostedAction,
    *,
    lifecycle: Lifecycle,
    resource: Resource,
    entity_id: int,
    page_url: str,
    section: Section | None = None,
    upload: Uploader | None = None,
) -> Response:
    """A posted action form read as the event's payload declares it (reason, override, fields), then answered."""
    request, session, event, form = posted.request, posted.session, posted.event, posted.form
    declared = lifecycle.event(event)
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
        action = ActionRequest(
            expected_version=expected_version,
            reason=reason or None,
            payload=payload,
            override_phase=bool(_text(form, OVERRIDE)),
        )
    except (ValueError, ValidationError):
        return error_page(request, status=422, message="页面已过期或理由含有控制字符、超过 2000 字，请刷新后重试")
    try:
        for field in fields:
            if field.kind == "files" and upload is not None:
                action.payload[field.name] = upload(form, field.name)
        return answer_action(
            request,
            session,
            resource=resource,
            entity_id=entity_id,
            event=event,
            action=action,
            actor=posted.actor,
            now=posted.now,
            files_dir=posted.files_dir,
            page_url=page_url,
            section=_section_answer(posted, lifecycle, section) if section else None,
        )
    except InvalidPayload as exc:
        session.rollback()
        labels = {field.name: field.label for field in fields}
        words = [f"{labels.get(at.removeprefix('payload.').split('.')[0], at)}：{why}" for at, why in exc.fields]
        return error_page(request, status=422, message="；".join(words))


def answer_action(
    request: Request,
    session: Session,
    *,
    resource: Resource,
    entity_id: int,
    event: str,
    action: ActionRequest,
    actor: Actor,
    now: datetime,
    files_dir: Path,
    page_url: str,
    section: Callable[[str], Response] | None = None,
) -> Response:
    """The API's action use case (scope, role, state, version, rules, override), then the page that says it was done:
    the page again with its confirmation line, or for htmx just the section `section` renders."""
    outcome = fire_action(
        session,
        resource=resource,
        entity_id=entity_id,
        event=event,
        request=action,
        actor=actor,
        now=now,
        files_dir=files_dir,
    )
    if section is None or not is_htmx(request):
        return RedirectResponse(f"{page_url}?done={outcome.event}", status_code=303)
    return section(outcome.event)


def done_label(lifecycle: Lifecycle, event: str | None) -> str | None:
    """The zh-CN name of the action just done, for the confirmation line."""
    declared = lifecycle.event(event) if event else None
    return declared.label if declared else None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def posted_files(form: FormData, name: str) -> list[UploadFile]:
    return [item for item in form.getlist(name) if isinstance(item, UploadFile) and item.filename]


def _given(form: FormData, field: PayloadField) -> bool:
    return bool(posted_files(form, field.name)) if field.kind == "files" else bool(_text(form, field.name))


def _value(form: FormData, field: PayloadField) -> Any:
    """What the form gives for the field, as the payload model reads it; None when left empty."""
    if field.kind == "files":
        return []  # filled with the uploads' paths once everything else is known to be well formed
    given = _text(form, field.name)
    if field.kind == "lines":
        return [line.strip() for line in given.splitlines() if line.strip()] or None
    return given or None
