"""Effects of transitions: the rows an event writes besides the state, audit and outbox rows."""

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from models.guards import spec_of
from models.lifecycle import TransitionContext
from models.milestone import Milestone, NodeReportVersion
from models.organisation import CreditEntry, CreditKind
from models.review import ReviewScore
from models.scope import project_of
from schedules.calendar import shanghai_date
from schedules.calendar_store import calendar_from_db
from schedules.ladder import node_ladder
from schedules.planning import plan_nodes


def plan_milestones(ctx: TransitionContext) -> dict[str, Any]:
    """Starting implementation lays out every dated node of the project, each with its first rung."""
    spec = spec_of(ctx)
    calendar = calendar_from_db(ctx.session)
    ladder = node_ladder(spec)
    nodes = plan_nodes(spec, calendar)
    for node in nodes:
        first_rung, fires_on = ladder.next_from(0, node.due_date, calendar)
        ctx.session.add(
            Milestone(
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
    return {"milestones_planned": len(nodes)}


def replan_after_resume(ctx: TransitionContext) -> dict[str, Any]:
    """Resuming a suspended project moves its open nodes by the working days the suspension took."""
    from models.audit import AuditEvent
    from schedules.replanning import shift_after_suspension

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


def blacklist_organisation(ctx: TransitionContext) -> dict[str, Any]:
    """Borrowed or fake credentials: the organisation goes on the blacklist with the project's termination."""
    entry = CreditEntry(
        organisation_id=ctx.entity.organisation_id,
        kind=CreditKind.BLACKLIST,
        reason=ctx.reason or "",
        recorded_at=ctx.now,
        source_project_id=ctx.entity.id,
    )
    ctx.session.add(entry)
    return {"blacklisted_organisation_id": ctx.entity.organisation_id}


def record_report_version(ctx: TransitionContext) -> dict[str, Any]:
    latest = ctx.session.exec(
        select(func.max(NodeReportVersion.number)).where(NodeReportVersion.milestone_id == ctx.entity.id)
    ).one()
    number = (latest or 0) + 1
    ctx.session.add(
        NodeReportVersion(
            milestone_id=ctx.entity.id,
            number=number,
            summary=str(ctx.payload["summary"]),
            attachments=[str(a) for a in ctx.payload.get("attachments", [])],
            submitted_at=ctx.now,
            submitted_by=ctx.actor.user_id,
        )
    )
    return {"report_version": number}


def record_community_opinion(ctx: TransitionContext) -> dict[str, Any]:
    version = _latest_version(ctx)
    version.community_opinion = str(ctx.payload["opinion"])
    ctx.session.add(version)
    return {"report_version": version.number, "opinion": version.community_opinion}


def record_review_comment(ctx: TransitionContext) -> dict[str, Any]:
    version = _latest_version(ctx)
    version.review_comment = ctx.reason
    ctx.session.add(version)
    return {"report_version": version.number}


def record_scores(ctx: TransitionContext) -> dict[str, Any]:
    scores: dict[str, int] = ctx.payload["scores"]
    comments: dict[str, str] = ctx.payload.get("comments", {})
    for criterion, score in scores.items():
        ctx.session.add(
            ReviewScore(
                assignment_id=ctx.entity.id, criterion=criterion, score=score, comment=comments.get(criterion, "")
            )
        )
    return {"total_score": sum(scores.values())}


def _latest_version(ctx: TransitionContext) -> NodeReportVersion:
    version = ctx.session.exec(
        select(NodeReportVersion)
        .where(NodeReportVersion.milestone_id == ctx.entity.id)
        .order_by(NodeReportVersion.number.desc())  # type: ignore[attr-defined]
    ).first()
    assert version is not None, "a confirmed or returned node always has a submitted version"
    return version
