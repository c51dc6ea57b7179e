"""Effects of transitions that need nothing but the tables: the rows an event writes besides state, audit and outbox.

Those that need the working calendar live in `schedules.project_effects`; `service.effects` binds the names.
"""

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from models.dates import shanghai_date
from models.node import NodeReportVersion
from models.organisation import CreditEntry, CreditKind
from models.payloads import CommunityOpinionPayload, NodeReportPayload, ReviewScoresPayload
from models.review import ReviewScore
from models.statemachine import TransitionContext


def blacklist_organisation(ctx: TransitionContext) -> dict[str, Any]:
    """Borrowed or fake credentials: the organisation goes on the blacklist with the project's termination."""
    _record_credit(ctx, CreditKind.BLACKLIST, source="因弄虚作假终止项目")
    return {"blacklisted_organisation_id": ctx.entity.organisation_id}


def record_report_version(ctx: TransitionContext) -> dict[str, Any]:
    latest = ctx.session.exec(
        select(func.max(NodeReportVersion.number)).where(NodeReportVersion.node_id == ctx.entity.id)
    ).one()
    number = (latest or 0) + 1
    report = ctx.payload_as(NodeReportPayload)
    ctx.session.add(
        NodeReportVersion(
            node_id=ctx.entity.id,
            number=number,
            summary=report.summary,
            attachments=list(report.attachments),
            submitted_at=ctx.now,
            submitted_by=ctx.actor.user_id,
        )
    )
    return {"report_version": number}


def record_community_opinion(ctx: TransitionContext) -> dict[str, Any]:
    version = _latest_version(ctx)
    version.community_opinion = ctx.payload_as(CommunityOpinionPayload).opinion
    ctx.session.add(version)
    return {"report_version": version.number, "opinion": version.community_opinion}


def record_review_comment(ctx: TransitionContext) -> dict[str, Any]:
    version = _latest_version(ctx)
    version.review_comment = ctx.reason
    ctx.session.add(version)
    return {"report_version": version.number}


def record_scores(ctx: TransitionContext) -> dict[str, Any]:
    given = ctx.payload_as(ReviewScoresPayload)
    scores, comments = given.scores, given.comments
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
        .where(NodeReportVersion.node_id == ctx.entity.id)
        .order_by(NodeReportVersion.number.desc())  # type: ignore[attr-defined]
    ).first()
    assert version is not None, "a confirmed or returned node always has a submitted version"
    return version


def record_failed_acceptance(ctx: TransitionContext) -> dict[str, Any]:
    """A failed acceptance goes on the organisation's credit record with the project's failure."""
    entry = _record_credit(ctx, CreditKind.FAILED_ACCEPTANCE, source="项目验收不合格")
    return {"credit_entry_organisation_id": entry.organisation_id}


def _record_credit(ctx: TransitionContext, kind: CreditKind, *, source: str) -> CreditEntry:
    entry = CreditEntry(
        organisation_id=ctx.entity.organisation_id,
        kind=kind,
        reason=ctx.reason or "",
        source=source,
        starts_on=shanghai_date(ctx.now),
        recorded_at=ctx.now,
        recorded_by=ctx.actor.user_id,
        source_project_id=ctx.entity.id,
    )
    ctx.session.add(entry)
    return entry
