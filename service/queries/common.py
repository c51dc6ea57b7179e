"""Shapes every list and entity shares: a page with its total, and the actions the reader may take now."""

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy.orm import object_session

from models.authority import refusals
from models.roles import Actor
from models.statemachine import Event, Lifecycle, TransitionContext

Item = TypeVar("Item")
ExportFormat = Literal["json", "xlsx"]
MAX_PAGE_SIZE = 200


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    page: int
    page_size: int


class ActionPublic(BaseModel):
    event: str
    label: str
    needs_reason: bool
    payload_schema: str = Field(description="该操作 payload 的模型名，见 OpenAPI 的 components.schemas")
    possible: bool | None = Field(
        default=None,
        description="现在能否执行（不看 payload 的规则已检查）；只在单个项目、节点报告、评审任务的详情（GET）"
        "及 actions 接口的回应中填写，列表等其他回应中为 null（未检查规则）",
    )
    reason: str | None = Field(default=None, description="不能执行时的原因（未通过的规则）；能执行或未检查时为 null")
    overridable: bool | None = Field(
        default=None,
        description="不能执行只因不在阶段时间内，且您可以越过（override_phase 并填写理由）；未检查时为 null",
    )


class StateView(BaseModel):
    state: str
    state_label: str
    version: int
    allowed_actions: list[ActionPublic]


def state_view(lifecycle: Lifecycle, entity: Any, actor: Actor, *, now: datetime | None = None) -> dict[str, Any]:
    """State, its label, version and the actions this actor's role may fire from it (the entity is in scope).

    Given `now` (a detail view, the action endpoint's answer), each action's guards are asked (those that need the
    payload are skipped) and the reason shown; lists pass none, so that no row asks its guards.
    """
    return {
        "state": entity.state,
        "state_label": lifecycle.states.get(entity.state, entity.state),
        "version": entity.version,
        "allowed_actions": [
            _action(event, entity, actor, now) for event in lifecycle.allowed_events(entity.state, actor.role)
        ],
    }


def _action(event: Event, entity: Any, actor: Actor, now: datetime | None) -> ActionPublic:
    shown = ActionPublic(
        event=event.name, label=event.label, needs_reason=event.needs_reason, payload_schema=event.payload.__name__
    )
    session = object_session(entity)
    if now is None or session is None:
        return shown
    broken = refusals(event, TransitionContext(session, entity, actor, None, None, now))  # type: ignore[arg-type]
    overridable = bool(broken) and all(v.overridable for v in broken) and actor.role in event.override_roles
    return shown.model_copy(
        update={
            "possible": not broken,
            "reason": "；".join(v.message for v in broken) if broken else None,
            "overridable": overridable,
        }
    )
