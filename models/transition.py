"""The one function through which every state changes, and the audit row of a creation.

It asks `authorize()` (scope, role, state, version, reason), validates the payload against the event's model,
asks the guards; then, in one savepoint of the caller's
transaction, it writes the new state, the event's effects, an audit row and the outbox notices.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session

from models.audit import AuditEvent, record_audit
from models.authority import authorize, authorize_override, declared, refuse_unless_guards_pass
from models.errors import StaleVersion
from models.expert import Expert
from models.lifecycles import lifecycle_of
from models.notices import queue_notice
from models.on_behalf import on_behalf_actor
from models.parties import Party
from models.payloads import validated_payload
from models.recipients import Recipient, expert_recipient, project_recipient
from models.review import ReviewAssignment
from models.roles import Actor
from models.scope import project_of
from models.statemachine import Effect, EffectBinding, Event, Lifecycle, TransitionContext


@dataclass(frozen=True)
class TransitionResult:
    entity: Any
    audit: AuditEvent
    payload: BaseModel  # as its event's model, for what the caller checks besides the guards


def transition(
    session: Session,
    entity: Any,
    event_name: str,
    *,
    actor: Actor,
    expected_version: int | None,
    now: datetime,
    effects: EffectBinding,
    reason: str | None = None,
    payload: Mapping[str, Any] | BaseModel | None = None,
    override: bool = False,
    on_behalf: bool = False,
) -> TransitionResult:
    """Fire `event_name` with its effects bound in `effects`; the caller commits. On any error nothing is written.

    `override`: act outside the event's phase windows (its `override_roles`, with a reason); the audit row names
    the windows set aside. `on_behalf`: a bureau enters the party's event from paper (`models.on_behalf`); the
    audit row names the bureau's user and the party."""
    lifecycle = lifecycle_of(entity)
    if on_behalf:
        party_event = declared(lifecycle, event_name)
        acting = on_behalf_actor(session, actor=actor, event=party_event, entity=entity, entity_label=lifecycle.label)
        recorded = replace(actor, on_behalf_of=acting.on_behalf_of)
    else:
        acting = recorded = actor
    event = authorize(
        session,
        actor=acting,
        subject=lifecycle,
        action=event_name,
        entity=entity,
        expected_version=expected_version,
        reason=reason,
    )
    assert isinstance(event, Event) and expected_version is not None, f"{event_name} is not a transition"
    if override:
        authorize_override(actor, event, reason)
    bound = _bound_effects(lifecycle, event, effects)
    typed = validated_payload(event.payload, payload)
    ctx = TransitionContext(session, entity, acting, typed, (reason or "").strip() or None, now)
    overridden = refuse_unless_guards_pass(event, ctx, override=override)
    from_state = entity.state
    with session.begin_nested():
        table = type(entity)
        moved = session.execute(
            update(table)
            .where(table.id == entity.id, table.version == expected_version)  # type: ignore[attr-defined]
            .values(state=event.target_from(from_state), version=expected_version + 1)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("数据刚被他人修改，请刷新后重试")
        session.refresh(entity)
        details: dict[str, Any] = {"phase_override": [v.message for v in overridden]} if overridden else {}
        for effect in bound:
            details.update(effect(ctx))
        audit = record_audit(
            session,
            entity_type=lifecycle.name,
            entity=entity,
            event=event.name,
            from_state=from_state,
            actor=recorded,
            now=now,
            reason=ctx.reason,
            details=details,
        )
        _queue_notices(ctx, lifecycle, event, from_state)
        session.flush()
    return TransitionResult(entity, audit, typed)


class UnboundEffect(LookupError):
    """A declared effect has no function in the binding given: a wiring bug, never a user's mistake."""


def _bound_effects(lifecycle: Lifecycle, event: Event, effects: EffectBinding) -> list[Effect]:
    missing = [name for name in event.effects if name not in effects]
    if missing:
        raise UnboundEffect(f"{lifecycle.name}.{event.name}: no function bound to effect(s) {', '.join(missing)}")
    return [effects[name] for name in event.effects]


def _queue_notices(ctx: TransitionContext, lifecycle: Lifecycle, event: Event, from_state: str) -> None:
    project = project_of(ctx.session, ctx.entity)
    params = {
        "event": event.name,
        "event_label": event.label,
        "entity_label": lifecycle.label,
        "project_id": project.id,
        "project_title": project.title,
        "from_state_label": lifecycle.states[from_state],
        "to_state_label": lifecycle.states[ctx.entity.state],
        "reason": ctx.reason,
    }
    for notice in event.notices:
        for party in notice.to:
            queue_notice(
                ctx.session,
                template=notice.template,
                entity_type=lifecycle.name,
                entity_id=ctx.entity.id,
                version=ctx.entity.version,
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
