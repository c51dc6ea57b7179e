"""The node's due-date move of an extension (延期): the effect `move_due_date` of the node report's `extend`.

A holiday rolls forward to the next working day; rungs already sent stay sent; the organisation is told.
"""

from typing import Any

from sqlalchemy import update

from models.guards import new_due_date, spec_of
from models.node import Node
from models.statemachine import TransitionContext
from schedules.calendar_store import calendar_from_db
from schedules.ladder import node_ladder
from schedules.replanning import EXTENDED_BY, move_details, rescheduled, tell_organisations


def move_due_date(ctx: TransitionContext) -> dict[str, Any]:
    """Give the node its new due date and next rung; `transition()` has already bumped its version."""
    node: Node = ctx.entity
    asked = new_due_date(ctx)
    assert asked is not None, "the guard due_date_later refuses a missing date"
    calendar = calendar_from_db(ctx.session)
    to_due = calendar.add_working_days(asked, 0)
    ladder = node_ladder(spec_of(ctx))
    from_due = node.due_date
    values = rescheduled(
        ctx.session,
        node,
        to_due=to_due,
        provisional=calendar.plan_is_provisional(to_due),
        calendar=calendar,
        ladder=ladder,
    )
    ctx.session.execute(update(Node).where(Node.id == node.id).values(**values))  # type: ignore[arg-type]
    ctx.session.refresh(node)
    tell_organisations(ctx.session, [(node, from_due)], reason=ctx.reason or "批准节点延期", now=ctx.now)
    return move_details(from_due, values, ladder) | {EXTENDED_BY: calendar.working_days_between(from_due, to_due)}
