"""A community and an organisation declare one project together (申报): the draft enters the lifecycle."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from models.authority import authorize, refuse_unless_guards_pass
from models.errors import OutOfScope, RulesFailed, RuleViolation
from models.lifecycles import ORGANISATION_REGISTER, PROJECT
from models.organisation import Organisation
from models.programme import Programme
from models.project import BudgetLine, Project, ProjectTeamMember
from models.region import Region, RegionLevel
from models.region_tree import ancestor_at
from models.roles import Actor
from models.statemachine import TransitionContext
from models.transition import record_creation

DECLARE_EVENT = "declare"


@dataclass(frozen=True)
class BudgetLineInput:
    code: str
    name: str
    amount_fen: int


@dataclass(frozen=True)
class DeclarationInput:
    programme_id: int
    community_id: int
    organisation_id: int
    title: str
    total_fen: int
    community_service_area_m2: int
    street_leader_consent_file: str | None
    team_worker_ids: list[int] = field(default_factory=list)
    budget_lines: list[BudgetLineInput] = field(default_factory=list)


def declare(session: Session, data: DeclarationInput, *, actor: Actor, now: datetime) -> Project:
    """Create the draft with its team and budget lines, as PROJECT's `declare` allows; the caller commits."""
    organisation = session.get(Organisation, data.organisation_id)
    if organisation is None:
        raise OutOfScope("社工机构不存在")
    creation = authorize(
        session,
        actor=actor,
        subject=PROJECT,
        action=DECLARE_EVENT,
        entity=organisation,  # an organisation declares only in its own name
        entity_label=ORGANISATION_REGISTER.label,
    )
    refuse_unless_guards_pass(creation, TransitionContext(session, organisation, actor, None, None, now))
    programme = session.get(Programme, data.programme_id)
    community = session.get(Region, data.community_id)
    if programme is None:
        raise OutOfScope("试点批次不存在")
    problems = _declaration_problems(session, data, programme, community)
    if problems:
        raise RulesFailed(problems)
    assert community is not None
    district = ancestor_at(session, community, RegionLevel.DISTRICT)
    project = Project(
        programme_id=data.programme_id,
        community_id=data.community_id,
        district_id=district.id if district else None,
        organisation_id=data.organisation_id,
        title=data.title.strip(),
        state=PROJECT.initial,
        total_fen=data.total_fen,
        community_service_area_m2=data.community_service_area_m2,
        street_leader_consent_file=data.street_leader_consent_file,
        created_at=now,
    )
    session.add(project)
    session.flush()
    assert project.id is not None
    session.add_all(ProjectTeamMember(project_id=project.id, social_worker_id=w) for w in data.team_worker_ids)
    session.add_all(
        BudgetLine(project_id=project.id, code=line.code, name=line.name, amount_fen=line.amount_fen)
        for line in data.budget_lines
    )
    record_creation(session, project, actor=actor, now=now, details={"title": project.title})
    session.flush()
    return project


def _declaration_problems(
    session: Session, data: DeclarationInput, programme: Programme, community: Region | None
) -> list[RuleViolation]:
    problems = []
    if not data.title.strip():
        problems.append(RuleViolation("declaration.title", "项目名称不能为空"))
    top = session.get(Region, programme.region_id)
    if community is None or community.level != RegionLevel.COMMUNITY:
        problems.append(RuleViolation("declaration.community", "申报须指定一个社区"))
    elif top is None or not community.path.startswith(top.path):
        problems.append(RuleViolation("declaration.community_region", f"{community.name} 不在本批次的实施区域内"))
    elif _community_has_live_declaration(session, programme, community):
        problems.append(RuleViolation("declaration.one_per_community", f"{community.name} 在本批次已有申报项目"))
    if len(set(data.team_worker_ids)) != len(data.team_worker_ids):
        problems.append(RuleViolation("declaration.team_duplicate", "团队成员重复"))
    codes = [line.code for line in data.budget_lines]
    if len(set(codes)) != len(codes):
        problems.append(RuleViolation("declaration.budget_duplicate", "预算科目重复"))
    return problems


def _community_has_live_declaration(session: Session, programme: Programme, community: Region) -> bool:
    live = PROJECT.open | PROJECT.group("holds_quota")  # an accepted or failed project keeps its community
    return (
        session.exec(
            select(Project.id).where(
                Project.programme_id == programme.id,
                Project.community_id == community.id,
                Project.state.in_(live),  # type: ignore[attr-defined]
            )
        ).first()
        is not None
    )
