"""The machinery for declaring who may do what: lifecycles (states, events, guards, named effects, notices),
the creation events that bring a row into the records, and the registers that have no states.

A declaration is data: `authorize()` and `transition()` execute it, the API lists allowed actions from it,
and the README's diagrams are drawn from it. Effects are names; the layer above binds them to functions.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from models.errors import RuleViolation
from models.parties import Party
from models.payloads import NoPayload
from models.roles import Actor, Role

if TYPE_CHECKING:
    from sqlmodel import Session


P = TypeVar("P", bound=BaseModel)


@dataclass
class TransitionContext:
    """What a guard may read and an effect may write; guards must not write.

    `payload` is the event's validated payload model, or None when asking only whether the event is possible now.
    """

    session: "Session"
    entity: Any
    actor: Actor
    payload: BaseModel | None
    reason: str | None
    now: datetime

    def payload_as(self, model: type[P]) -> P:
        """The payload as the model its event declares (`transition()` has validated it)."""
        assert isinstance(self.payload, model), f"{model.__name__} expected, got {type(self.payload).__name__}"
        return self.payload


Guard = Callable[[TransitionContext], list[RuleViolation]]
PayloadCheck = Callable[[TransitionContext, P], list[RuleViolation]]


def reads_payload(model: type[P]) -> Callable[[PayloadCheck[P]], Guard]:
    """A guard that needs the payload: skipped when the payload is not known yet (the list of allowed actions)."""

    def bind(check: PayloadCheck[P]) -> Guard:
        @wraps(check)
        def guard(ctx: TransitionContext) -> list[RuleViolation]:
            return [] if ctx.payload is None else check(ctx, ctx.payload_as(model))

        return guard

    return bind


Effect = Callable[[TransitionContext], dict[str, Any]]  # returns details for the audit row
EffectBinding = Mapping[str, Effect]  # an event's effect names -> the functions that do them


@dataclass(frozen=True)
class Notice:
    """A mail to each listed party when the event fires, rendered from `template`."""

    template: str
    to: tuple[Party, ...]


@dataclass(frozen=True)
class Event:
    """A change of a versioned row; with `target=None` the state stays and only the version moves on."""

    name: str
    label: str  # zh-CN, shown to users as the action's name
    sources: frozenset[str]
    target: str | None
    roles: frozenset[Role]
    needs_reason: bool = False
    guards: tuple[Guard, ...] = ()
    effects: tuple[str, ...] = ()  # names, bound to functions above models/ and schedules/
    notices: tuple[Notice, ...] = ()
    who: str = ""  # zh-CN, who may, named in a refusal ("只有{who}可以{label}")
    payload: type[BaseModel] = NoPayload  # what the event carries besides its reason, validated before any guard
    override_roles: frozenset[Role] = frozenset()  # may act outside the phase windows its guards check, with a reason
    on_behalf_roles: frozenset[Role] = frozenset()  # may enter it for its party from paper (`models.on_behalf`)

    def target_from(self, state: str) -> str:
        return state if self.target is None else self.target


@dataclass(frozen=True)
class Creation:
    """A row entering the records (申报, 分配评审, 登记): who may, and the rules its parent must meet."""

    name: str  # also the audit's event
    label: str
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    who: str = ""


Action = Event | Creation


@dataclass(frozen=True)
class Register:
    """Rows without states (organisations, experts, a year's calendar...): only who may add them."""

    name: str
    label: str
    creations: tuple[Creation, ...]
    table: type | None = None

    def action(self, name: str) -> Action | None:
        return next((c for c in self.creations if c.name == name), None)

    @property
    def actions(self) -> tuple[Action, ...]:
        return self.creations


@dataclass(frozen=True)
class Lifecycle:
    name: str  # also the audit's entity_type
    label: str
    states: dict[str, str]  # state -> zh-CN label, in lifecycle order
    initial: str
    terminal: frozenset[str]
    events: tuple[Event, ...] = field(default_factory=tuple)
    creations: tuple[Creation, ...] = ()
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # named groups of states
    table: type | None = None

    def __post_init__(self) -> None:
        names = [a.name for a in self.actions]
        assert len(names) == len(set(names)), f"{self.name}: duplicate event names"
        for event in self.events:
            unknown = (event.sources | ({event.target} if event.target else set())) - set(self.states)
            assert not unknown, f"{self.name}.{event.name}: unknown states {unknown}"
            assert not (event.sources & self.terminal), f"{self.name}.{event.name}: leaves a terminal state"
        for group, states in self.groups.items():
            assert states <= set(self.states), f"{self.name}.{group}: unknown states {states - set(self.states)}"

    @property
    def actions(self) -> tuple[Action, ...]:
        return (*self.events, *self.creations)

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def event(self, name: str) -> Event | None:
        return next((e for e in self.events if e.name == name), None)

    def group(self, name: str) -> frozenset[str]:
        """A named set of states (e.g. 'implementation'), declared once with the lifecycle."""
        return self.groups[name]

    phase = group  # the project's phases read better as `PROJECT.phase("implementation")`

    @property
    def open(self) -> frozenset[str]:
        """States not yet terminal: the work is still open."""
        return self.live_states

    def events_from(self, state: str) -> list[Event]:
        return [e for e in self.events if state in e.sources]

    def allowed_events(self, state: str, role: Role) -> list[Event]:
        """What this role may try from `state`; `models.authority.refusals` says which guards stand in the way."""
        return [e for e in self.events_from(state) if role in e.roles]

    @property
    def live_states(self) -> frozenset[str]:
        return frozenset(self.states) - self.terminal

    def mermaid(self) -> str:
        """A Mermaid state diagram of the declaration."""
        created = "、".join(c.name for c in self.creations)
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}" + (f": {created}" if created else "")]
        for event in self.events:
            for source in sorted(event.sources, key=list(self.states).index):
                lines.append(f"    {source} --> {event.target_from(source)}: {event.name}")
        for state in sorted(self.terminal, key=list(self.states).index):
            lines.append(f"    {state} --> [*]")
        return "\n".join(lines)
