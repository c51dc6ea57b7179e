"""The one function through which every state changes, and the audit row of a creation.

It checks scope, role, state, version, reason and guards; then, in one savepoint of the caller's
transaction, it writes the new state, the event's effects, an audit row and the outbox notices.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from models.audit import AuditEvent, record_audit
from models.errors import (
    EventNotAllowedInState,
    OutOfScope,
    ReasonRequired,
    RoleNotAllowed,
    RulesFailed,
    StaleVersion,
    UnknownEvent,
)
from models.expert import Expert
from models.lifecycle import Event, Lifecycle, TransitionContext
from models.lifecycles import lifecycle_of
from models.notices import queue_notice
from models.parties import Party
from models.recipients import Recipient, expert_recipient, project_recipient
from models.review import ReviewAssignment
from models.roles import ROLE_LABELS_ZH, Actor
from models.scope import can_see, project_of


@dataclass(frozen=True)
class TransitionResult:
    entity: Any
    audit: AuditEvent


def transition(
    session: Session,
    entity: Any,
    event_name: str,
    *,
    actor: Actor,
    expected_version: int,
    now: datetime,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> TransitionResult:
    """Fire `event_name` on `entity`; the caller commits. On any error nothing is written."""
    lifecycle = lifecycle_of(entity)
    event = _check(
        session, lifecycle, entity, event_name, actor=actor, expected_version=expected_version, reason=reason
    )
    ctx = TransitionContext(session, entity, actor, payload or {}, (reason or "").strip() or None, now)
    violations = [violation for guard in event.guards for violation in guard(ctx)]
    if violations:
        raise RulesFailed(violations)
    from_state = entity.state
    with session.begin_nested():
        table = type(entity)
        moved = session.execute(
            update(table)
            .where(table.id == entity.id, table.version == expected_version)  # type: ignore[attr-defined]
            .values(state=event.target, version=expected_version + 1)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("数据刚被他人修改，请刷新后重试")
        session.refresh(entity)
        details: dict[str, Any] = {}
        for effect in event.effects:
            details.update(effect(ctx))
        audit = record_audit(
            session,
            entity_type=lifecycle.name,
            entity=entity,
            event=event.name,
            from_state=from_state,
            actor=actor,
            now=now,
            reason=ctx.reason,
            details=details,
        )
        _queue_notices(ctx, lifecycle, event, from_state)
        session.flush()
    return TransitionResult(entity, audit)


def _check(
    session: Session,
    lifecycle: Lifecycle,
    entity: Any,
    event_name: str,
    *,
    actor: Actor,
    expected_version: int,
    reason: str | None,
) -> Event:
    event = lifecycle.event(event_name)
    if event is None:
        raise UnknownEvent(f"「{lifecycle.label}」没有名为“{event_name}”的操作")
    if not can_see(session, actor, entity):
        raise OutOfScope(f"{lifecycle.label}不存在或不在您的管辖范围内")
    if actor.role not in event.roles:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权执行“{event.label}”")
    if entity.state not in event.sources:
        state_label = lifecycle.states.get(entity.state, entity.state)
        raise EventNotAllowedInState(f"{lifecycle.label}当前状态为“{state_label}”，不能执行“{event.label}”")
    if expected_version != entity.version:
        raise StaleVersion(
            f"{lifecycle.label}已被他人修改（当前版本 {entity.version}，您提交的版本 {expected_version}），请刷新后重试"
        )
    if event.needs_reason and not (reason or "").strip():
        raise ReasonRequired(f"执行“{event.label}”必须填写理由")
    return event


def _queue_notices(ctx: TransitionContext, lifecycle: Lifecycle, event: Event, from_state: str) -> None:
    project = project_of(ctx.session, ctx.entity)
    params = {
        "event": event.name,
        "event_label": event.label,
        "entity_label": lifecycle.label,
        "project_id": project.id,
        "project_title": project.title,
        "from_state_label": lifecycle.states[from_state],
        "to_state_label": lifecycle.states[event.target],
        "reason": ctx.reason,
    }
    for notice in event.notices:
        for party in notice.to:
            queue_notice(
                ctx.session,
                template=notice.template,
                entity_type=lifecycle.name,
                entity_id=ctx.entity.id,
                recipient=_recipient(ctx, party),
                params=params,
                now=ctx.now,
            )


def _recipient(ctx: TransitionContext, party: Party) -> Recipient:
    if party is Party.EXPERT and isinstance(ctx.entity, ReviewAssignment):
        expert = ctx.session.get(Expert, ctx.entity.expert_id)
        assert expert is not None
        return expert_recipient(expert)
    return project_recipient(ctx.session, project_of(ctx.session, ctx.entity), party)


def record_creation(
    session: Session, entity: Any, *, actor: Actor, now: datetime, details: dict[str, Any]
) -> AuditEvent:
    """A new entity enters its lifecycle's initial state; the audit trail starts here."""
    return record_audit(
        session,
        entity_type=lifecycle_of(entity).name,
        entity=entity,
        event="create",
        from_state=None,
        actor=actor,
        now=now,
        details=details,
    )
