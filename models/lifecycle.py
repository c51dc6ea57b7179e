"""The machinery for declaring a lifecycle: states, events, roles, guards, effects and notices.

A declaration is data: `transition()` executes it, the API lists allowed actions from it, and the
README's diagrams are drawn from it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from models.errors import RuleViolation
from models.parties import Party
from models.roles import Actor, Role

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass
class TransitionContext:
    """What a guard may read and an effect may write; guards must not write."""

    session: "Session"
    entity: Any
    actor: Actor
    payload: dict[str, Any]
    reason: str | None
    now: datetime


Guard = Callable[[TransitionContext], list[RuleViolation]]
Effect = Callable[[TransitionContext], dict[str, Any]]  # returns details for the audit row


@dataclass(frozen=True)
class Notice:
    """A mail to each listed party when the event fires, rendered from `template`."""

    template: str
    to: tuple[Party, ...]


@dataclass(frozen=True)
class Event:
    name: str
    label: str  # zh-CN, shown to users as the action's name
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]
    needs_reason: bool = False
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Lifecycle:
    name: str  # also the audit's entity_type
    label: str
    states: dict[str, str]  # state -> zh-CN label, in lifecycle order
    initial: str
    terminal: frozenset[str]
    events: tuple[Event, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [e.name for e in self.events]
        assert len(names) == len(set(names)), f"{self.name}: duplicate event names"
        for event in self.events:
            unknown = (event.sources | {event.target}) - set(self.states)
            assert not unknown, f"{self.name}.{event.name}: unknown states {unknown}"
            assert not (event.sources & self.terminal), f"{self.name}.{event.name}: leaves a terminal state"

    def event(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)

    def events_from(self, state: str) -> list[Event]:
        return [e for e in self.events if state in e.sources]

    def allowed_events(self, state: str, role: Role) -> list[Event]:
        """What this role may try now (guards, scope and version are checked when it fires)."""
        return [e for e in self.events_from(state) if role in e.roles]

    @property
    def live_states(self) -> frozenset[str]:
        return frozenset(self.states) - self.terminal

    def mermaid(self) -> str:
        """A Mermaid state diagram of the declaration."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for event in self.events:
            for source in sorted(event.sources, key=list(self.states).index):
                lines.append(f"    {source} --> {event.target}: {event.name}")
        for state in sorted(self.terminal, key=list(self.states).index):
            lines.append(f"    {state} --> [*]")
        return "\n".join(lines)
