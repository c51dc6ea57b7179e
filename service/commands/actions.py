"""Firing a lifecycle action on a project, node report or review assignment: transition(), then commit."""

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, GetJsonSchemaHandler, TypeAdapter, create_model
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlmodel import Session

from models.payloads import NodeReportPayload
from models.roles import Actor
from models.statemachine import Event
from service.errors import InvalidInput
from service.fields import Count, Flag, text
from service.files import attachment_exists, attachment_prefix
from service.queries.common import StateView, state_view
from service.queries.entities import LIFECYCLE_OF, Resource, visible_entity
from service.transitions import transition


class ActionRequest(BaseModel):
    """What every action sends; `payload` is checked against its event's model after the permission check."""

    expected_version: Count = Field(description="读取时的版本号，防止覆盖他人的修改")
    reason: text(2000, multiline=True) | None = Field(  # type: ignore[valid-type]
        default=None, description="理由（标明“须填理由”的操作必填，至多 2000 字）"
    )
    payload: dict[str, Any] = Field(default_factory=dict, description="该操作的附加内容，格式见各操作的请求模型")
    override_phase: Flag = Field(
        default=False,
        description="越过阶段时间限制（如验收期外验收）：仅市民政局，须填理由，操作记录中注明越过的阶段",
    )
    on_behalf: Flag = Field(
        default=False,
        description="代录纸质材料：区、市民政局代社工机构或社区录入其纸质报送的节点报告或确认意见（须本批次允许），"
        "操作记录同时记下代录人与被代表方",
    )


def _request_model(resource: Resource, event: Event) -> type[BaseModel]:
    """The body of one (resource, event), as the OpenAPI document shows it."""
    name = "".join(part.capitalize() for part in f"{resource.value}-{event.name}".replace("_", "-").split("-"))
    required = any(field.is_required() for field in event.payload.model_fields.values())
    return create_model(
        f"{name}Action",
        __base__=ActionRequest,
        __doc__=f"POST /{resource.value}/{{id}}/actions/{event.name}：{event.label}",
        payload=(event.payload, ... if required else Field(default_factory=event.payload)),
    )


REQUEST_MODELS: dict[tuple[Resource, str], type[BaseModel]] = {
    (resource, event.name): _request_model(resource, event)
    for resource, lifecycle in LIFECYCLE_OF.items()
    for event in lifecycle.events
}


class DocumentedAs:
    """Validate a body as its declared type, but show `shown` in the OpenAPI document."""

    def __init__(self, shown: Any) -> None:
        self.shown = shown

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(TypeAdapter(self.shown).core_schema)


# One request schema per (resource, event); which one applies is named by the path, so the body is their union.
ActionBody = Annotated[ActionRequest, DocumentedAs(Union[tuple(REQUEST_MODELS.values())])]  # noqa: UP007


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
        override=request.override_phase,
        on_behalf=request.on_behalf,
    )
    if isinstance(result.payload, NodeReportPayload):
        _check_attachments(result.payload.attachments, entity_id, files_dir)  # a refusal rolls the transition back
    session.commit()
    assert result.audit.id is not None
    return ActionOutcome(
        resource=resource,
        id=entity_id,
        event=event,
        audit_id=result.audit.id,
        **state_view(LIFECYCLE_OF[resource], result.entity, actor, now=now),
    )


def _check_attachments(attachments: list[str], node_id: int, files_dir: Path) -> None:
    """A report cites only files uploaded for this node."""
    for reference in attachments:
        if not (reference.startswith(attachment_prefix(node_id)) and attachment_exists(files_dir, reference)):
            raise InvalidInput(f"附件“{reference}”不是为本节点上传的文件，请先上传")
