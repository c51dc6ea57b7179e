"""Guards of the lifecycles: pure reads that return every failed rule, in Chinese.

A guard that reads another row's state is built with the state group it needs (`quota_left(holding=...)`),
so that the groups are named once, on the lifecycles that declare these guards.
"""

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from models.budget import budget_violations
from models.dates import shanghai_date
from models.eligibility import blacklist_violations, declaration_violations
from models.errors import RuleViolation
from models.expert import Expert, ExpertConflict
from models.node import Node
from models.organisation import Organisation
from models.payloads import AcceptancePayload, AssignmentPayload, DueDatePayload, ReviewScoresPayload
from models.programme import Programme, ProgrammeQuota
from models.programme_spec import PHASE_LABELS, ProgrammeSpec
from models.project import BudgetLine, Project
from models.region import Region, RegionLevel
from models.region_tree import ancestor_at
from models.review import ReviewAssignment
from models.scope import project_of
from models.statemachine import Guard, TransitionContext, reads_payload


def spec_of(ctx: TransitionContext) -> ProgrammeSpec:
    programme = ctx.session.get(Programme, project_of(ctx.session, ctx.entity).programme_id)
    assert programme is not None
    return programme.parsed_spec()


def within_declaration_window(ctx: TransitionContext) -> list[RuleViolation]:
    window = spec_of(ctx).phases.declaration
    today = shanghai_date(ctx.now)
    if window.contains(today):
        return []
    return [RuleViolation("phase.declaration", f"不在申报期内（{window.start} 至 {window.end}），今天是 {today}")]


def within_phase(phase: str) -> Guard:
    """The event belongs to a dated phase of the programme; its `override_roles` may act outside it, with a reason."""

    def within_phase(ctx: TransitionContext) -> list[RuleViolation]:
        window = spec_of(ctx).phases.window(phase)
        today = shanghai_date(ctx.now)
        if window.contains(today):
            return []
        message = f"不在{PHASE_LABELS[phase]}内（{window.start} 至 {window.end}），今天是 {today}"
        return [RuleViolation(f"phase.{phase}", message, overridable=True)]

    return within_phase


def declaration_is_eligible(ctx: TransitionContext) -> list[RuleViolation]:
    return declaration_violations(ctx.session, ctx.entity, spec_of(ctx), on=shanghai_date(ctx.now))


def quota_left(holding_states: frozenset[str]) -> Guard:
    """Selecting a project needs a slot not held by a project in `holding_states`."""

    def quota_left(ctx: TransitionContext) -> list[RuleViolation]:
        return _quota_violations(ctx, holding_states)

    return quota_left


def _quota_violations(ctx: TransitionContext, holding_states: frozenset[str]) -> list[RuleViolation]:
    project: Project = ctx.entity
    spec = spec_of(ctx)
    session = ctx.session
    holding = (
        select(func.count())
        .select_from(Project)
        .where(
            Project.programme_id == project.programme_id,
            Project.state.in_(holding_states),  # type: ignore[attr-defined]
            Project.id != project.id,
        )
    )
    found = []
    if session.exec(holding).one() >= spec.quotas.total:
        found.append(RuleViolation("quota.total", f"本批次试点名额 {spec.quotas.total} 个已满"))
    community = session.get(Region, project.community_id)
    district = ancestor_at(session, community, RegionLevel.DISTRICT) if community else None
    if district is None or not spec.quotas.by_district:
        return found
    quota = session.exec(
        select(ProgrammeQuota.quota).where(
            ProgrammeQuota.programme_id == project.programme_id, ProgrammeQuota.district_id == district.id
        )
    ).first()
    if quota is None:
        return found + [RuleViolation("quota.district_none", f"{district.name} 没有本批次的试点名额")]
    in_district = (
        holding.join(Region, Region.id == Project.community_id).where(Region.path.startswith(district.path))  # type: ignore[arg-type]  # type: ignore[attr-defined]
    )
    if session.exec(in_district).one() >= quota:
        found.append(RuleViolation("quota.district", f"{district.name} 的试点名额 {quota} 个已满"))
    return found


def budget_is_valid(ctx: TransitionContext) -> list[RuleViolation]:
    project: Project = ctx.entity
    lines = ctx.session.exec(select(BudgetLine).where(BudgetLine.project_id == project.id)).all()
    return budget_violations(lines, total_fen=project.total_fen, template=spec_of(ctx).budget)


def all_nodes_closed(closed_states: frozenset[str]) -> Guard:
    """Final evaluation needs every node in `closed_states`."""

    def all_nodes_closed(ctx: TransitionContext) -> list[RuleViolation]:
        return _open_node_violations(ctx, closed_states)

    return all_nodes_closed


def _open_node_violations(ctx: TransitionContext, closed_states: frozenset[str]) -> list[RuleViolation]:
    open_nodes = ctx.session.exec(
        select(Node.title).where(
            Node.project_id == ctx.entity.id,
            Node.state.not_in(closed_states),  # type: ignore[attr-defined]
        )
    ).all()
    if not open_nodes:
        return []
    shown = "、".join(open_nodes[:5]) + ("等" if len(open_nodes) > 5 else "")
    return [RuleViolation("nodes.open", f"尚有 {len(open_nodes)} 个节点报告未通过审核或免于提交：{shown}")]


def all_reviews_closed(closed_states: frozenset[str]) -> Guard:
    """Selecting a declaration waits for every review assigned to it to be in `closed_states`."""

    def all_reviews_closed(ctx: TransitionContext) -> list[RuleViolation]:
        return _open_review_violations(ctx, closed_states)

    return all_reviews_closed


def _open_review_violations(ctx: TransitionContext, closed_states: frozenset[str]) -> list[RuleViolation]:
    waiting = ctx.session.exec(
        select(Expert.name)
        .join(ReviewAssignment, ReviewAssignment.expert_id == Expert.id)  # type: ignore[arg-type]
        .where(
            ReviewAssignment.project_id == ctx.entity.id,
            ReviewAssignment.state.not_in(closed_states),  # type: ignore[attr-defined]
        )
        .order_by(ReviewAssignment.id)  # type: ignore[arg-type]
    ).all()
    if not waiting:
        return []
    return [
        RuleViolation(
            "review.open_assignments",
            f"尚有 {len(waiting)} 个评审任务未提交评分或撤销（{'、'.join(waiting)}），不能确定入选",
        )
    ]


@reads_payload(AcceptancePayload)
def local_policy_documents(ctx: TransitionContext, payload: AcceptancePayload) -> list[RuleViolation]:
    required = spec_of(ctx).acceptance.min_local_policy_documents
    given = payload.local_policy_documents
    if len(given) >= required:
        return []
    return [
        RuleViolation(
            "acceptance.policy_documents",
            f"应出台社会工作介入社区治理的政策文件不少于 {required} 篇，已提交 {len(given)} 篇",
        )
    ]


def project_in(states: frozenset[str], *, code: str, message: str) -> Guard:
    """The project of the row acted on (or the project itself) must be in one of `states`."""

    def project_in_phase(ctx: TransitionContext) -> list[RuleViolation]:
        if project_of(ctx.session, ctx.entity).state in states:
            return []
        return [RuleViolation(code, message)]

    return project_in_phase


@reads_payload(AssignmentPayload)
def no_conflict_of_interest(ctx: TransitionContext, payload: AssignmentPayload) -> list[RuleViolation]:
    """An expert never reviews a declaration of an organisation they have a conflict with."""
    expert = ctx.session.get(Expert, payload.expert_id)
    assert expert is not None
    conflict = ctx.session.exec(
        select(ExpertConflict).where(
            ExpertConflict.expert_id == expert.id,
            ExpertConflict.organisation_id == project_of(ctx.session, ctx.entity).organisation_id,
        )
    ).first()
    if conflict is None:
        return []
    return [RuleViolation("review.conflict", f"{expert.name} 与申报机构存在利益冲突，不能评审此项目")]


def new_due_date(ctx: TransitionContext) -> date:
    """The extension's new date, from its validated payload."""
    return ctx.payload_as(DueDatePayload).due_date


@reads_payload(DueDatePayload)
def due_date_later(ctx: TransitionContext, payload: DueDatePayload) -> list[RuleViolation]:
    """An extension moves a node's or a review's due date later, never earlier."""
    to_due = payload.due_date
    if to_due > ctx.entity.due_date:
        return []
    previous = ctx.entity.due_date.isoformat()
    return [RuleViolation("extension.later", f"延期后的截止日期 {to_due} 必须晚于原截止日期 {previous}")]


@reads_payload(ReviewScoresPayload)
def scores_complete(ctx: TransitionContext, payload: ReviewScoresPayload) -> list[RuleViolation]:
    criteria = spec_of(ctx).rubric.criteria
    scores = payload.scores
    found = []
    for criterion in criteria:
        value = scores.get(criterion.code)
        if value is None:
            found.append(RuleViolation("review.score_missing", f"缺少评分项：{criterion.name}"))
        elif not 0 <= value <= criterion.max_score:
            found.append(
                RuleViolation(
                    "review.score_range", f"{criterion.name} 的得分应在 0 至 {criterion.max_score} 之间，实际 {value}"
                )
            )
    unknown = sorted(set(scores) - {c.code for c in criteria})
    if unknown:
        found.append(RuleViolation("review.score_unknown", f"评分项不在评分标准中：{'、'.join(unknown)}"))
    return found


def not_blacklisted(ctx: TransitionContext) -> list[RuleViolation]:
    """Declaring (the organisation acts) and submitting (the project): refused while a blacklist entry binds."""
    entity = ctx.entity
    organisation = entity if isinstance(entity, Organisation) else ctx.session.get(Organisation, entity.organisation_id)
    assert organisation is not None
    return blacklist_violations(ctx.session, organisation=organisation, on=shanghai_date(ctx.now))
