"""Demo data for `make run`: Lanzhou 2022's ten pilot communities in its five districts, their organisations, teams
and experts, a user of every role, and declarations taken through the real lifecycle — seven into implementation,
so that playing the year on the clock page shows node reports falling due, reminders, submissions and escalations.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.assignments import assign_expert
from models.declarations import BudgetLineInput, DeclarationInput, declare
from models.expert import Expert
from models.node import Node
from models.organisation import Organisation
from models.programme import Programme
from models.project import Project
from models.region import Region, RegionLevel, Settlement
from models.region_tree import ensure_region
from models.review import ReviewAssignment
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.service_clock import stored_clock
from models.social_worker import Qualification, SocialWorker
from models.user import User
from service.auth import actor_of, create_user, hash_password
from service.clock import system_clock
from service.commands.clock import ClockAdvance, advance_clock
from service.settings import Settings
from service.transitions import transition

SHANGHAI = ZoneInfo("Asia/Shanghai")
DECLARED_ON = datetime(2022, 7, 1, 9, 0, tzinfo=SHANGHAI)  # inside the declaration, review and contracting windows
# The demo clock starts on the first day of implementation: the selected projects have just started.
DEMO_DAY = datetime(2022, 9, 27, 9, 0, tzinfo=SHANGHAI)
DEMO_PASSWORD = "sanshe-demo"
# District (its account name) -> street (its account name) -> communities, as the programme's quotas share them out.
DEMO_PLACES: dict[tuple[str, str], dict[tuple[str, str], list[str]]] = {
    ("城关区", "chengguan"): {
        ("张掖路街道", "zhangyelu"): ["金塔巷社区", "永昌路社区"],
        ("皋兰路街道", "gaolanlu"): ["中街子社区"],
    },
    ("七里河区", "qilihe"): {("西园街道", "xiyuan"): ["西湖社区", "建西社区"]},
    ("西固区", "xigu"): {("西固城街道", "xigucheng"): ["福利路社区"], ("先锋路街道", "xianfenglu"): ["先锋路社区"]},
    ("安宁区", "anning"): {("培黎街道", "peili"): ["安宁堡社区", "万里社区"]},
    ("红古区", "honggu"): {("海石湾镇", "haishiwan"): ["海石湾社区"]},
}
DEMO_ORGANISATIONS = [
    ("兰州市同心社会工作服务中心", "52620100MJX000001A"),
    ("兰州市乐善社会工作服务中心", "52620100MJX000002B"),
    ("兰州市和美社会工作服务中心", "52620100MJX000003C"),
    ("兰州市启航社会工作服务中心", "52620100MJX000004D"),
    ("兰州市阳光社会工作服务中心", "52620100MJX000005E"),
]
# Where each community's declaration ends up, in the order of DEMO_PLACES' communities.
IN_PROGRESS, UNDER_REVIEW, NOT_SELECTED, SUBMITTED = "in_progress", "under_review", "not_selected", "submitted"
DEMO_OUTCOMES = [
    IN_PROGRESS,  # 金塔巷社区: first report approved early
    IN_PROGRESS,  # 永昌路社区: first report submitted early
    UNDER_REVIEW,  # 中街子社区: its expert never scores (review reminders climb)
    IN_PROGRESS,  # 西湖社区: first report submitted and confirmed by the community
    IN_PROGRESS,  # 建西社区
    IN_PROGRESS,  # 福利路社区
    NOT_SELECTED,  # 先锋路社区
    IN_PROGRESS,  # 安宁堡社区
    SUBMITTED,  # 万里社区: still waiting for the bureau's eligibility check
    IN_PROGRESS,  # 海石湾社区
]
# The first node of these communities' projects goes through these events on the demo day.
EARLY_REPORTS = {
    "金塔巷社区": ("submit", "confirm", "approve"),
    "永昌路社区": ("submit",),
    "西湖社区": ("submit", "confirm"),
}
SCORES = {"needs": 17, "plan": 25, "team": 17, "budget": 13, "experience": 12}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    scope: str

    def line(self) -> str:
        return f"{self.username}\t{ROLE_LABELS_ZH[self.role]}\t{self.scope}"


@dataclass
class DemoPlace:
    district: Region
    street: Region
    community: Region


def seed_demo(session: Session) -> str:
    """Idempotent: a second run finds the demo organisations and does nothing. The caller commits."""
    programme = session.exec(select(Programme).where(Programme.code == "lanzhou-2022")).first()
    if programme is None:
        return "请先载入 programmes/lanzhou-2022.yaml"
    if session.exec(select(Organisation).where(Organisation.credit_code == DEMO_ORGANISATIONS[0][1])).first():
        return "演示数据已存在，跳过。"
    city = session.get(Region, programme.region_id)
    assert city is not None and city.id is not None
    city.contact_email = "mzj@lanzhou.example.cn"
    places = _places(session, city)
    experts = [
        Expert(name=name, field_of_expertise=field, email=f"expert{number}@example.cn")
        for number, (name, field) in enumerate(
            [("王建国", "社会工作"), ("李淑芬", "社区治理"), ("赵明", "公益项目评估")], 1
        )
    ]
    session.add_all(experts)
    organisations = [
        Organisation(
            name=name,
            credit_code=credit_code,
            registered_with_civil_affairs=True,
            sound_governance=True,
            financial_rules_and_bank_account=True,
            contact_email=f"org{number}@example.cn",
        )
        for number, (name, credit_code) in enumerate(DEMO_ORGANISATIONS, 1)
    ]
    session.add_all(organisations)
    session.flush()
    accounts = _accounts(session, city, places, organisations, experts)
    coordinator = _actor(session, "coordinator")
    bureau_accounts = {district: account for district, account in DEMO_PLACES}
    states = []
    for index, (place, outcome) in enumerate(zip(places, DEMO_OUTCOMES, strict=True)):
        organisation = organisations[index // 2]  # each organisation declares for two communities
        project = _declare(session, programme, place, organisation, number=index + 1)
        bureau = _actor(session, bureau_accounts[place.district.name])
        _drive(session, project, outcome, place=place, experts=experts, coordinator=coordinator, bureau=bureau)
        states.append(project.state)
    session.flush()
    in_progress = states.count(IN_PROGRESS)
    return "\n".join(
        [
            f"已写入演示数据：{len(places)} 个社区（{len(DEMO_PLACES)} 个区）、{len(organisations)} 家社工机构、"
            f"{len(states)} 个申报（其中 {in_progress} 个已启动实施）。",
            f"演示账号（密码均为 {DEMO_PASSWORD}）：",
            *(account.line() for account in accounts.values()),
        ]
    )


def _places(session: Session, city: Region) -> list[DemoPlace]:
    places = []
    for (district_name, district_account), streets in DEMO_PLACES.items():
        district = ensure_region(
            session,
            name=district_name,
            level=RegionLevel.DISTRICT,
            parent=city,
            contact_email=f"{district_account}@lanzhou.example.cn",
        )
        for (street_name, street_account), communities in streets.items():
            street = ensure_region(
                session,
                name=street_name,
                level=RegionLevel.STREET,
                parent=district,
                settlement=Settlement.URBAN,
                contact_email=f"{street_account}@lanzhou.example.cn",
            )
            for number, community_name in enumerate(communities, 1):
                community = ensure_region(
                    session,
                    name=community_name,
                    level=RegionLevel.COMMUNITY,
                    parent=street,
                    settlement=Settlement.URBAN,
                    contact_email=f"{street_account}-{number}@lanzhou.example.cn",
                )
                places.append(DemoPlace(district, street, community))
    return places


def _accounts(
    session: Session, city: Region, places: list[DemoPlace], organisations: list[Organisation], experts: list[Expert]
) -> dict[str, DemoAccount]:
    """A user of every role: the city, each district bureau, street office and community, each organisation and
    expert, and the administrator."""
    names = {(d, s): (da, sa) for (d, da), streets in DEMO_PLACES.items() for (s, sa) in streets}
    made: dict[str, DemoAccount] = {}
    hashed = hash_password(DEMO_PASSWORD)  # one password for every demo account: hashed once

    def add(username: str, role: Role, scope: str, display_name: str, **given: int | None) -> None:
        create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            now=DECLARED_ON,
            display_name=display_name,
            hashed_password=hashed,
            **given,
        )
        made[username] = DemoAccount(username, role, scope)

    add("coordinator", Role.CITY_COORDINATOR, city.name, f"{city.name}民政局", region_id=city.id)
    seen: set[int] = set()
    for place in places:
        district_account, street_account = names[place.district.name, place.street.name]
        for region, account, label in (
            (place.district, district_account, f"{place.district.name}民政局"),
            (place.street, street_account, f"{place.street.name}办事处"),
        ):
            assert region.id is not None
            if region.id in seen:
                continue
            seen.add(region.id)
            role = Role.DISTRICT_BUREAU if region.level == RegionLevel.DISTRICT else Role.STREET_OFFICE
            scope = place.district.name if role is Role.DISTRICT_BUREAU else f"{place.district.name}{region.name}"
            add(account, role, scope, label, region_id=region.id)
    for number, place in enumerate(places, 1):
        scope = f"{place.district.name}{place.street.name}{place.community.name}"
        add(f"community{number}", Role.COMMUNITY, scope, f"{place.community.name}居委会", region_id=place.community.id)
    for number, organisation in enumerate(organisations, 1):
        add(f"org{number}", Role.ORGANISATION, organisation.name, organisation.name, organisation_id=organisation.id)
    for number, expert in enumerate(experts, 1):
        add(f"expert{number}", Role.EXPERT, f"评审专家 {expert.name}", expert.name, expert_id=expert.id)
    add("sysadmin", Role.ADMIN, "全部", "系统管理员")
    return made


def _actor(session: Session, username: str) -> Actor:
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def _declare(
    session: Session, programme: Programme, place: DemoPlace, organisation: Organisation, *, number: int
) -> Project:
    """A declaration by the organisation for the community, with a team of its own three social workers."""
    assert organisation.id is not None and programme.id is not None and place.community.id is not None
    team = [
        SocialWorker(
            name=f"{organisation.name[3:5]}社工{number}-{n}",
            qualification=qualification,
            social_work_degree=degree,
            employer_id=organisation.id,
        )
        for n, (qualification, degree) in enumerate(
            [(Qualification.INTERMEDIATE, True), (Qualification.ASSISTANT, False), (Qualification.ASSISTANT, True)], 1
        )
    ]
    session.add_all(team)
    session.flush()
    spec = programme.parsed_spec()
    actor = Actor(f"org-{organisation.id}", Role.ORGANISATION, organisation.name, organisation_id=organisation.id)
    return declare(
        session,
        DeclarationInput(
            programme_id=programme.id,
            community_id=place.community.id,
            organisation_id=organisation.id,
            title=f"{place.community.name}“邻里守望”三社联动服务项目",
            total_fen=30_000_000,
            community_service_area_m2=320 + 20 * number,
            street_leader_consent_file="demo/street-consent.pdf",
            team_worker_ids=[w.id for w in team if w.id is not None],
            budget_lines=[BudgetLineInput(line.code, line.name, line.amount_fen) for line in spec.budget.lines]
            if spec.budget
            else [],
        ),
        actor=actor,
        now=DECLARED_ON,
    )


def _fire(session: Session, entity: Any, event: str, actor: Actor, now: datetime, **given: Any) -> None:
    transition(session, entity, event, actor=actor, expected_version=entity.version, now=now, **given)


def _drive(
    session: Session,
    project: Project,
    outcome: str,
    *,
    place: DemoPlace,
    experts: list[Expert],
    coordinator: Actor,
    bureau: Actor,
) -> None:
    """The declaration through the project lifecycle as its offices would take it, to `outcome`."""
    organisation = Actor("demo-org", Role.ORGANISATION, organisation_id=project.organisation_id)
    _fire(session, project, "submit", organisation, DECLARED_ON)
    if outcome == SUBMITTED:
        return
    reviewed = DECLARED_ON + timedelta(days=7)
    _fire(session, project, "confirm_eligibility", bureau, reviewed)
    _fire(session, project, "open_review", coordinator, reviewed)
    expert = experts[(project.id or 0) % len(experts)]
    assignment = assign_expert(
        session, project=project, expert=expert, due_date=date(2022, 7, 22), actor=coordinator, now=reviewed
    )
    if outcome == UNDER_REVIEW:
        return
    scorer = Actor(f"expert-{expert.id}", Role.EXPERT, expert.name, expert_id=expert.id)
    scored = DECLARED_ON + timedelta(days=14)
    _review(session, assignment, scorer, scored)
    decided = DECLARED_ON + timedelta(days=30)
    if outcome == NOT_SELECTED:
        _fire(session, project, "reject", coordinator, decided, reason="服务方案与社区需求结合不够紧密")
        return
    _fire(session, project, "select", coordinator, decided)
    _fire(session, project, "contract", coordinator, DECLARED_ON + timedelta(days=45))
    _fire(session, project, "start", bureau, DEMO_DAY)
    early = EARLY_REPORTS.get(place.community.name, ())
    if not early:
        return
    node = session.exec(
        select(Node).where(Node.project_id == project.id).order_by(Node.due_date, Node.id)  # type: ignore[arg-type]
    ).first()
    assert node is not None
    community = Actor("demo-community", Role.COMMUNITY, region_id=place.community.id)
    payloads = {
        "submit": (organisation, {"summary": "本季度开展入户走访 86 户、个案 6 个、小组活动 4 场", "attachments": []}),
        "confirm": (community, {"opinion": "情况属实，同意上报"}),
        "approve": (bureau, {}),
    }
    for event in early:
        actor, payload = payloads[event]
        _fire(session, node, event, actor, DEMO_DAY, payload=payload)


def _review(session: Session, assignment: ReviewAssignment, scorer: Actor, now: datetime) -> None:
    _fire(session, assignment, "accept", scorer, now)
    _fire(session, assignment, "submit_scores", scorer, now, payload={"scores": SCORES})


def start_demo_clock(session: Session, *, settings: Settings, actor: Actor) -> datetime | None:
    """In simulation mode, a clock never set starts on the demo day (Lanzhou 2022's first day of implementation)."""
    if not settings.simulated_clock or stored_clock(session) is not None:
        return None
    started = advance_clock(
        session,
        data=ClockAdvance(to=DEMO_DAY, expected_version=0, reason="演示数据：模拟从兰州 2022 实施阶段第一天开始"),
        actor=actor,
        settings=settings,
        wall_now=system_clock(),
        start_catch_ups=None,
    )
    return started.now
