"""Lifecycle effects that need the working calendar: the nodes laid out at the start, shifted after a suspension.

Named in `models.lifecycles`, bound by `service.effects`; `models/` never imports this module.
"""

from typing import Any

from sqlmodel import select

from models.audit import AuditEvent
from models.dates import shanghai_date
from models.guards import spec_of
from models.node import Node
from models.scope import project_of
from models.statemachine import TransitionContext
from schedules.calendar_store import calendar_from_db
from schedules.ladder import node_ladder
from schedules.planning import plan_nodes
from schedules.replanning import shift_after_suspension


def plan_project_nodes(ctx: TransitionContext) -> dict[str, Any]:
    """Starting implementation lays out every dated node of the project, each with its first rung."""
    spec = spec_of(ctx)
    calendar = calendar_from_db(ctx.session)
    ladder = node_ladder(spec)
    nodes = plan_nodes(spec, calendar)
    for node in nodes:
        first_rung, fires_on = ladder.next_from(0, node.due_date, calendar)
        ctx.session.add(
            Node(
                project_id=ctx.entity.id,
                kind=node.kind,
                sequence=node.sequence,
                title=node.title,
                due_date=node.due_date,
                planned_from=node.planned_from,
                provisional=node.provisional,
                next_rung_index=first_rung,
                next_rung_on=fires_on,
            )
        )
    return {"nodes_planned": len(nodes)}


def replan_after_resume(ctx: TransitionContext) -> dict[str, Any]:
    """Resuming a suspended project moves its open nodes by the working days the suspension took."""
    project = project_of(ctx.session, ctx.entity)
    suspended_at = ctx.session.exec(
        select(AuditEvent.at)
        .where(AuditEvent.entity_type == "project", AuditEvent.entity_id == project.id, AuditEvent.event == "suspend")
        .order_by(AuditEvent.at.desc())  # type: ignore[attr-defined]
    ).first()
    if suspended_at is None:
        return {"nodes_moved": 0}
    moves = shift_after_suspension(
        ctx.session,
        project,
        suspended_on=shanghai_date(suspended_at),
        resumed_on=shanghai_date(ctx.now),
        actor=ctx.actor,
        now=ctx.now,
        reason=f"项目恢复实施，顺延暂停期间的工作日（{ctx.reason or '恢复实施'}）",
    )
    return {"nodes_moved": len(moves)}
