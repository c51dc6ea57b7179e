"""Builders for test data: each call makes its own rows with unique names."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.declarations import BudgetLineInput, DeclarationInput, declare
from models.expert import Expert
from models.node import Node
from models.organisation import Organisation
from models.programme import Programme
from models.programme_loader import load_programme
from models.project import Project
from models.region import Region, RegionLevel, Settlement
from models.region_tree import ensure_region
from models.roles import Actor, Role
from models.social_worker import Qualification, SocialWorker
from service.transitions import transition

PROGRAMMES = Path(__file__).resolve().parent.parent / "programmes"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside Lanzhou 2022's declaration window (2022-05-31 .. 2022-08-30), which is also its review and contracting.
DECLARATION_DAY = datetime(2022, 7, 1, 9, 0, tzinfo=SHANGHAI)
ACCEPTANCE_DAY = datetime(2023, 9, 11, 9, 0, tzinfo=SHANGHAI)  # inside Lanzhou 2022's acceptance (09-05 .. 09-30)
# The project events that belong to a dated phase of the programme (`guards.within_phase`).
EVENT_PHASES = {
    "select": "review",
    "reject": "review",
    "contract": "contracting",
    "start": "implementation",
    "accept": "acceptance",
    "fail": "acceptance",
}


def in_phase(session: Session, entity: Any, event: str, preferred: datetime) -> datetime:
    """`preferred`, or 09:00 on the first day of a project event's phase when `preferred` lies outside it."""
    phase = EVENT_PHASES.get(event)
    if phase is None or not isinstance(entity, Project):
        return preferred
    programme = session.get(Programme, entity.programme_id)
    assert programme is not None
    window = programme.parsed_spec().phases.window(phase)
    if window.contains(preferred.astimezone(SHANGHAI).date()):
        return preferred
    return datetime.combine(window.start, time(9, 0), tzinfo=SHANGHAI)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def lanzhou(session: Session) -> Programme:
    return load_programme(session, PROGRAMMES / "lanzhou-2022.yaml", now=DECLARATION_DAY)


def district(session: Session, programme: Programme, name: str) -> Region:
    region = session.exec(select(Region).where(Region.name == name, Region.parent_id == programme.region_id)).one()
    return region


def community(session: Session, programme: Programme, district_name: str = "城关区") -> Region:
    """A fresh street office and community under the district, each with a contact address."""
    parent = district(session, programme, district_name)
    if parent.contact_email is None:
        parent.contact_email = f"bureau-{parent.id}@example.cn"
    street = ensure_region(
        session,
        name=unique("街道"),
        level=RegionLevel.STREET,
        parent=parent,
        settlement=Settlement.URBAN,
        contact_email=f"{unique('street')}@example.cn",
    )
    return ensure_region(
        session,
        name=unique("社区"),
        level=RegionLevel.COMMUNITY,
        parent=street,
        settlement=Settlement.URBAN,
        contact_email=f"{unique('community')}@example.cn",
    )


def organisation(session: Session, **overrides: Any) -> Organisation:
    values: dict[str, Any] = dict(
        name=unique("社工服务中心"),
        credit_code=uuid.uuid4().hex[:18].upper(),
        registered_with_civil_affairs=True,
        registered_on=date(2018, 3, 1),
        sound_governance=True,
        financial_rules_and_bank_account=True,
        contact_email=f"{unique('org')}@example.cn",
    )
    values.update(overrides)
    row = Organisation(**values)
    session.add(row)
    session.flush()
    return row


def worker(
    session: Session, employer: Organisation, qualification: Qualification, degree: bool = False
) -> SocialWorker:
    row = SocialWorker(
        name=unique("社工"), qualification=qualification, social_work_degree=degree, employer_id=employer.id
    )
    session.add(row)
    session.flush()
    return row


def lanzhou_team(session: Session, employer: Organisation) -> list[SocialWorker]:
    """One 社会工作师, one 助理社会工作师 and one uncertified social-work graduate: meets the seed rule."""
    return [
        worker(session, employer, Qualification.INTERMEDIATE),
        worker(session, employer, Qualification.ASSISTANT),
        worker(session, employer, Qualification.NONE, degree=True),
    ]


def lanzhou_budget() -> list[BudgetLineInput]:
    return [
        BudgetLineInput("labour", "社工人力成本", 16_000_000),
        BudgetLineInput("services", "专业服务经费", 8_000_000),
        BudgetLineInput("training", "专业人才培训经费", 1_500_000),
        BudgetLineInput("evaluation_audit", "评估、审计工作经费", 1_500_000),
        BudgetLineInput("management", "项目执行和管理经费", 3_000_000),
    ]


def expert(session: Session) -> Expert:
    row = Expert(name=unique("专家"), email=f"{unique('expert')}@example.cn")
    session.add(row)
    session.flush()
    return row


@dataclass
class Cast:
    """One declaration of Lanzhou 2022 and an in-scope actor for every role."""

    programme: Programme
    community: Region
    organisation: Organisation
    team: list[SocialWorker]
    project: Project
    experts: list[Expert] = field(default_factory=list)

    def actor(self, role: Role) -> Actor:
        street_id = self.community.parent_id
        district_id = _parent_id(self.community, 2)
        return {
            Role.CITY_COORDINATOR: Actor("coordinator", role, "市民政局统筹员", region_id=self.programme.region_id),
            Role.DISTRICT_BUREAU: Actor("district", role, "区民政局", region_id=district_id),
            Role.STREET_OFFICE: Actor("street", role, "街道办", region_id=street_id),
            Role.COMMUNITY: Actor("community", role, "社区居委会", region_id=self.community.id),
            Role.ORGANISATION: Actor("org", role, "社工机构", organisation_id=self.organisation.id),
            Role.EXPERT: Actor("expert", role, "专家", expert_id=self.experts[0].id if self.experts else None),
            Role.ADMIN: Actor("admin", role, "管理员"),
        }[role]


def _parent_id(region: Region, levels: int) -> int | None:
    ids = [int(p) for p in region.path.strip("/").split("/")]
    return ids[-1 - levels] if len(ids) > levels else None


def cast(
    session: Session,
    *,
    programme: Programme | None = None,
    district_name: str = "城关区",
    declaring: Organisation | None = None,
    **declaration: Any,
) -> Cast:
    """A fresh community, team and draft declaration (by a fresh organisation unless `declaring` is given)."""
    programme = programme or lanzhou(session)
    place = community(session, programme, district_name)
    org = declaring or organisation(session)
    team = lanzhou_team(session, org)
    assert programme.id is not None and place.id is not None and org.id is not None
    data = dict(
        programme_id=programme.id,
        community_id=place.id,
        organisation_id=org.id,
        title=unique("邻里守望计划"),
        total_fen=30_000_000,
        community_service_area_m2=420,
        street_leader_consent_file="files/consent.pdf",
        team_worker_ids=[w.id for w in team],
        budget_lines=lanzhou_budget(),
    )
    data.update(declaration)
    actor = Actor("org", Role.ORGANISATION, organisation_id=org.id)
    project = declare(session, DeclarationInput(**data), actor=actor, now=DECLARATION_DAY)
    return Cast(programme, place, org, team, project)


# Payloads and reasons that satisfy every guard, per (lifecycle, event).
GOOD_PAYLOADS: dict[tuple[str, str], dict[str, Any]] = {
    ("project", "accept"): {"local_policy_documents": ["关于推进三社联动的实施意见"]},
    ("node", "submit"): {"summary": "本期开展个案 12 个、小组 3 个", "attachments": ["files/report.pdf"]},
    ("node", "resubmit"): {"summary": "补充了服务数据", "attachments": ["files/report-v2.pdf"]},
    ("node", "confirm"): {"opinion": "情况属实，同意上报"},
    ("review_assignment", "submit_scores"): {
        "scores": {"needs": 18, "plan": 26, "team": 17, "budget": 13, "experience": 12}
    },
}


def fire(session: Session, entity: Any, event: str, actor: Actor, *, now: datetime, lifecycle: str) -> Any:
    result = transition(
        session,
        entity,
        event,
        actor=actor,
        expected_version=entity.version,
        now=now,
        reason="测试理由",
        payload=GOOD_PAYLOADS.get((lifecycle, event), {}),
    )
    return result.entity


def nodes(session: Session, project: Project) -> list[Node]:
    return list(
        session.exec(select(Node).where(Node.project_id == project.id).order_by(Node.due_date, Node.id)).all()  # type: ignore[arg-type]
    )
