"""Formal eligibility of a declaration (申报条件): community, organisation and team rules.

The thresholds come from the programme file; the checks here only read, and list every failed rule.
"""

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from models.budget import budget_violations
from models.errors import RuleViolation
from models.organisation import (
    AnnualInspection,
    CreditEntry,
    CreditKind,
    InspectionResult,
    Organisation,
    Penalty,
)
from models.programme_spec import CommunityRules, OrganisationRules, ProgrammeSpec, TeamRules
from models.project import BudgetLine, Project, ProjectTeamMember
from models.social_worker import SocialWorker


def community_violations(project: Project, rules: CommunityRules) -> list[RuleViolation]:
    found = []
    if rules.street_leader_consent_required and not project.street_leader_consent_file:
        found.append(RuleViolation("community.street_leader_consent", "缺少经街道主要领导签字同意的社区书面申请"))
    minimum = rules.min_service_area_m2
    if minimum is not None and project.community_service_area_m2 < minimum:
        found.append(
            RuleViolation(
                "community.service_area",
                f"社区服务面积 {project.community_service_area_m2} 平方米，低于 {minimum} 平方米的要求",
            )
        )
    return found


def organisation_violations(
    organisation: Organisation,
    *,
    penalties: Sequence[Penalty],
    inspections: Sequence[AnnualInspection],
    credit_entries: Sequence[CreditEntry],
    rules: OrganisationRules,
) -> list[RuleViolation]:
    name = organisation.name
    found = []
    if rules.registered_with_civil_affairs and not organisation.registered_with_civil_affairs:
        found.append(RuleViolation("organisation.registered", f"{name} 未在民政部门登记成立"))
    if rules.no_penalty and penalties:
        found.append(RuleViolation("organisation.penalty", f"{name} 有受登记管理机关处罚的记录（{len(penalties)} 次）"))
    if rules.inspections_passed:
        failed = sorted(i.year for i in inspections if i.result == InspectionResult.FAILED)
        missed = sorted(i.year for i in inspections if i.result == InspectionResult.MISSED)
        if failed:
            found.append(RuleViolation("organisation.inspection_failed", f"{name} 年检不合格（{_years(failed)}）"))
        if missed:
            found.append(RuleViolation("organisation.inspection_missed", f"{name} 不接受年检（{_years(missed)}）"))
    if rules.not_blacklisted and any(e.kind == CreditKind.BLACKLIST for e in credit_entries):
        found.append(RuleViolation("organisation.blacklisted", f"{name} 已被列入黑名单"))
    if rules.sound_governance and not (organisation.sound_governance and organisation.financial_rules_and_bank_account):
        found.append(
            RuleViolation("organisation.governance", f"{name} 不具备健全的治理结构、规章财务制度或独立的银行账号")
        )
    return found


def team_violations(organisation_id: int, team: Sequence[SocialWorker], rules: TeamRules) -> list[RuleViolation]:
    found = []
    if len(team) != rules.size:
        found.append(RuleViolation("team.size", f"每个试点社区应配备专业社工 {rules.size} 人，实际 {len(team)} 人"))
    certified = [w for w in team if w.qualification.certified]
    if len(certified) < rules.min_certified:
        found.append(
            RuleViolation("team.certified", f"持证社工应不少于 {rules.min_certified} 人，实际 {len(certified)} 人")
        )
    intermediate = [w for w in team if w.qualification.intermediate_or_above]
    if len(intermediate) < rules.min_intermediate:
        found.append(
            RuleViolation(
                "team.intermediate",
                f"应至少有 {rules.min_intermediate} 名中级社会工作者（社会工作师），实际 {len(intermediate)} 名",
            )
        )
    if rules.uncertified_need_degree:
        lacking = [w.name for w in team if not w.qualification.certified and not w.social_work_degree]
        if lacking:
            found.append(RuleViolation("team.degree", f"未持证的社工须为社会工作专业毕业人员：{'、'.join(lacking)}"))
    if rules.employed_by_organisation:
        outsiders = [w.name for w in team if w.employer_id != organisation_id]
        if outsiders:
            found.append(
                RuleViolation("team.employer", f"团队成员不属于申报机构（不得借用他人资质）：{'、'.join(outsiders)}")
            )
    return found


def declaration_violations(
    session: Session, project: Project, spec: ProgrammeSpec, *, on: date | None = None
) -> list[RuleViolation]:
    """Every formal rule a declaration must meet before expert review, read `on` that day (None: every
    blacklist entry not lifted, whatever its period)."""
    organisation = session.get(Organisation, project.organisation_id)
    assert organisation is not None and organisation.id is not None
    found = community_violations(project, spec.eligibility.community)
    found += organisation_violations(
        organisation,
        penalties=session.exec(select(Penalty).where(Penalty.organisation_id == organisation.id)).all(),
        inspections=session.exec(
            select(AnnualInspection).where(AnnualInspection.organisation_id == organisation.id)
        ).all(),
        credit_entries=credit_entries_in_force(session, organisation_id=organisation.id, on=on),
        rules=spec.eligibility.organisation,
    )
    if spec.eligibility.team is not None:
        team = session.exec(
            select(SocialWorker)
            .join(ProjectTeamMember, ProjectTeamMember.social_worker_id == SocialWorker.id)  # type: ignore[arg-type]
            .where(ProjectTeamMember.project_id == project.id)
        ).all()
        found += team_violations(organisation.id, team, spec.eligibility.team)
    lines = session.exec(select(BudgetLine).where(BudgetLine.project_id == project.id)).all()
    found += budget_violations(lines, total_fen=project.total_fen, template=spec.budget)
    return found


def credit_entries_in_force(session: Session, *, organisation_id: int, on: date | None) -> list[CreditEntry]:
    """The organisation's credit entries that bind `on` that day: lifted ones and those out of their period stay
    on record but no longer count."""
    entries = session.exec(
        select(CreditEntry).where(CreditEntry.organisation_id == organisation_id, CreditEntry.lifted_at.is_(None))  # type: ignore[union-attr]
    ).all()
    return [entry for entry in entries if on is None or entry.in_force(on)]


def blacklist_violations(session: Session, *, organisation: Organisation, on: date) -> list[RuleViolation]:
    """A blacklisted organisation may neither create nor submit a declaration."""
    assert organisation.id is not None
    binding = [
        e
        for e in credit_entries_in_force(session, organisation_id=organisation.id, on=on)
        if e.kind == CreditKind.BLACKLIST
    ]
    if not binding:
        return []
    entry = binding[0]
    until = f"至 {entry.ends_on}" if entry.ends_on else "（未解除）"
    return [
        RuleViolation(
            "organisation.blacklisted",
            f"{organisation.name} 已被列入黑名单{until}，不能申报试点项目：{entry.reason}",
        )
    ]


def _years(years: list[int]) -> str:
    return "、".join(f"{y} 年" for y in years)
