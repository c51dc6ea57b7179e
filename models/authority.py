"""Who may: the one check of scope → role → state → version → reason, read from the declarations."""

from typing import Any

from sqlmodel import Session

from models.errors import (
    EventNotAllowedInState,
    OutOfScope,
    ReasonRequired,
    RoleNotAllowed,
    RulesFailed,
    RuleViolation,
    StaleVersion,
    UnknownEvent,
    VersionRequired,
)
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.scope import can_see
from models.statemachine import Action, Event, Lifecycle, Register, TransitionContext

Subject = Lifecycle | Register


def declared(subject: Subject, action: str) -> Action:
    """The declaration of `action` on `subject`; an undeclared name is refused in Chinese."""
    found = subject.action(action)
    if found is None:
        raise UnknownEvent(f"「{subject.label}」没有名为“{action}”的操作")
    return found


def roles_for(subject: Subject, action: str) -> frozenset[Role]:
    """The roles declared for an action: what a route, an import sheet or a test reads instead of a list."""
    return declared(subject, action).roles


def authorize(
    session: Session,
    *,
    actor: Actor,
    subject: Subject,
    action: str,
    entity: Any = None,
    entity_label: str | None = None,
    expected_version: int | None = None,
    reason: str | None = None,
) -> Action:
    """Refuse with the first failed rule, in this order; `entity` is the row acted on, or the parent of a new one."""
    found = declared(subject, action)
    if entity is not None and not can_see(session, actor, entity):
        raise OutOfScope(f"{entity_label or subject.label}不存在或不在您的管辖范围内")
    if actor.role not in found.roles:
        raise RoleNotAllowed(_role_refusal(actor, found))
    if isinstance(found, Event):
        assert isinstance(subject, Lifecycle) and entity is not None
        _check_state_and_version(subject, found, entity, expected_version)
    if found.needs_reason and not (reason or "").strip():
        raise ReasonRequired(f"执行“{found.label}”必须填写理由")
    return found


def refusals(action: Action, ctx: TransitionContext) -> list[RuleViolation]:
    """Every rule the guards find broken; with `ctx.payload` None, those that need the payload are skipped."""
    return [violation for guard in action.guards for violation in guard(ctx)]


def refuse_unless_guards_pass(action: Action, ctx: TransitionContext, *, override: bool = False) -> list[RuleViolation]:
    """Run every guard and refuse with all failed rules at once; with `override`, the phase windows set aside are
    returned (the caller records them) once `authorize_override` has allowed it."""
    violations = refusals(action, ctx)
    kept = [v for v in violations if not (override and v.overridable)]
    if kept:
        raise RulesFailed(kept)
    return [v for v in violations if v.overridable]


def authorize_override(actor: Actor, event: Event, reason: str | None) -> None:
    """Acting outside an event's phase window: only its `override_roles`, and only with a reason."""
    if actor.role not in event.override_roles:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}不能越过阶段时间限制执行“{event.label}”")
    if not (reason or "").strip():
        raise ReasonRequired(f"越过阶段时间限制执行“{event.label}”必须填写理由")


def _role_refusal(actor: Actor, action: Action) -> str:
    refusal = f"{ROLE_LABELS_ZH[actor.role]}无权执行“{action.label}”"
    return refusal + (f"：只有{action.who}可以{action.label}" if action.who else "")


def _check_state_and_version(lifecycle: Lifecycle, event: Event, entity: Any, expected_version: int | None) -> None:
    if entity.state not in event.sources:
        state_label = lifecycle.states.get(entity.state, entity.state)
        raise EventNotAllowedInState(f"{lifecycle.label}当前状态为“{state_label}”，不能执行“{event.label}”")
    if expected_version is None:
        raise VersionRequired(f"执行“{event.label}”须提交读取时的版本号（expected_version），以免覆盖他人的修改")
    if expected_version != entity.version:
        raise StaleVersion(
            f"{lifecycle.label}已被他人修改（当前版本 {entity.version}，您提交的版本 {expected_version}），请刷新后重试"
        )
