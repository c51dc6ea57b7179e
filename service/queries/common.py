"""Shapes every list and entity shares: a page with its total, and the actions the reader may take now."""

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from models.roles import Actor
from models.statemachine import Lifecycle

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


class StateView(BaseModel):
    state: str
    state_label: str
    version: int
    allowed_actions: list[ActionPublic]


def state_view(lifecycle: Lifecycle, entity: Any, actor: Actor) -> dict[str, Any]:
    """State, its label, version and the actions this actor's role may fire from it (the entity is in scope)."""
    return {
        "state": entity.state,
        "state_label": lifecycle.states.get(entity.state, entity.state),
        "version": entity.version,
        "allowed_actions": [
            ActionPublic(event=e.name, label=e.label, needs_reason=e.needs_reason)
            for e in lifecycle.allowed_events(entity.state, actor.role)
        ],
    }
