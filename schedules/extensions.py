"""The coordinator grants a node a new due date (延期): audited with its reason; rungs already sent stay sent."""

from datetime import date, datetime

from sqlmodel import Session

from models.errors import (
    EventNotAllowedInState,
    OutOfScope,
    ReasonRequired,
    RoleNotAllowed,
    RulesFailed,
    RuleViolation,
    StaleVersion,
)
from models.lifecycles import NODE_REPORT
from models.milestone import Milestone
from models.programme import Programme
from models.project import Project
from models.roles import Actor, Role
from models.scope import can_see
from schedules.calendar_store import calendar_from_db
from schedules.ladder import node_ladder
from schedules.replanning import NodeMove, move_node

MAY_EXTEND = frozenset({Role.CITY_COORDINATOR, Role.ADMIN})


def grant_extension(
    session: Session,
    node: Milestone,
    *,
    new_due: date,
    actor: Actor,
    expected_version: int,
    now: datetime,
    reason: str | None,
) -> NodeMove:
    """Move an open node's due date later; a holiday rolls forward to the next working day. The caller commits."""
    if not can_see(session, actor, node):
        raise OutOfScope("节点报告不存在或不在您的管辖范围内")
    if actor.role not in MAY_EXTEND:
        raise RoleNotAllowed("只有市民政局可以批准节点延期")
    if node.state in NODE_REPORT.terminal:
        raise EventNotAllowedInState(f"节点报告当前状态为“{NODE_REPORT.states[node.state]}”，不能延期")
    if expected_version != node.version:
        raise StaleVersion(
            f"节点报告已被他人修改（当前版本 {node.version}，您提交的版本 {expected_version}），请刷新后重试"
        )
    if not (reason or "").strip():
        raise ReasonRequired("批准延期必须填写理由")
    calendar = calendar_from_db(session)
    to_due = calendar.add_working_days(new_due, 0)
    if to_due <= node.due_date:
        raise RulesFailed(
            [RuleViolation("extension.later", f"延期后的截止日期 {to_due} 须晚于原截止日期 {node.due_date}")]
        )
    project = session.get(Project, node.project_id)
    assert project is not None
    programme = session.get(Programme, project.programme_id)
    assert programme is not None
    move = move_node(
        session,
        node,
        to_due=to_due,
        provisional=calendar.plan_is_provisional(to_due),
        calendar=calendar,
        ladder=node_ladder(programme.parsed_spec()),
        actor=actor,
        now=now,
        reason=(reason or "").strip(),
        event="extend",
        expected_version=expected_version,
    )
    assert move is not None
    return move
