"""Demo data for `make run`: Lanzhou 2022 streets, communities, organisations, experts and declarations."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.declarations import BudgetLineInput, DeclarationInput, declare
from models.expert import Expert
from models.organisation import Organisation
from models.programme import Programme
from models.region import Region, RegionLevel, Settlement
from models.region_tree import ensure_region
from models.roles import Actor, Role
from models.service_clock import stored_clock
from models.social_worker import Qualification, SocialWorker
from service.auth import create_user
from service.clock import system_clock
from service.commands.clock import ClockAdvance, advance_clock
from service.settings import Settings
from service.transitions import transition

# The demo lives inside Lanzhou 2022's declaration window.
DEMO_DAY = datetime(2022, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEMO_PLACES = {
    "城关区": ("张掖路街道", "金塔巷社区"),
    "七里河区": ("西园街道", "西湖社区"),
    "西固区": ("西固城街道", "福利路社区"),
    "安宁区": ("培黎街道", "安宁堡社区"),
    "红古区": ("海石湾镇", "海石湾社区"),
}
DEMO_PASSWORD = "sanshe-demo"
DEMO_ORGANISATIONS = [
    ("兰州市同心社会工作服务中心", "52620100MJX000001A"),
    ("兰州市乐善社会工作服务中心", "52620100MJX000002B"),
]


def seed_demo(session: Session) -> str:
    """Idempotent: a second run finds the demo organisations and does nothing."""
    programme = session.exec(select(Programme).where(Programme.code == "lanzhou-2022")).first()
    if programme is None:
        return "请先载入 programmes/lanzhou-2022.yaml"
    if session.exec(select(Organisation).where(Organisation.credit_code == DEMO_ORGANISATIONS[0][1])).first():
        return "演示数据已存在，跳过。"
    city = session.get(Region, programme.region_id)
    assert city is not None
    city.contact_email = "mzj@lanzhou.example.cn"
    communities = []
    for number, (district_name, (street_name, community_name)) in enumerate(DEMO_PLACES.items(), 1):
        district = ensure_region(
            session,
            name=district_name,
            level=RegionLevel.DISTRICT,
            parent=city,
            contact_email=f"district{number}@lanzhou.example.cn",
        )
        street = ensure_region(
            session,
            name=street_name,
            level=RegionLevel.STREET,
            parent=district,
            settlement=Settlement.URBAN,
            contact_email=f"street{number}@lanzhou.example.cn",
        )
        communities.append(
            ensure_region(
                session,
                name=community_name,
                level=RegionLevel.COMMUNITY,
                parent=street,
                settlement=Settlement.URBAN,
                contact_email=f"community{number}@lanzhou.example.cn",
            )
        )
    experts = [
        Expert(name=f"评审专家{number}", field_of_expertise="社会工作", email=f"expert{number}@example.cn")
        for number in range(1, 4)
    ]
    session.add_all(experts)
    session.flush()
    declared = 0
    for index, (name, credit_code) in enumerate(DEMO_ORGANISATIONS):
        organisation = Organisation(
            name=name,
            credit_code=credit_code,
            registered_with_civil_affairs=True,
            sound_governance=True,
            financial_rules_and_bank_account=True,
            contact_email=f"org{index + 1}@example.cn",
        )
        session.add(organisation)
        session.flush()
        assert organisation.id is not None
        team = [
            SocialWorker(name=f"{name[3:5]}社工{n}", qualification=q, social_work_degree=d, employer_id=organisation.id)
            for n, (q, d) in enumerate(
                [(Qualification.INTERMEDIATE, True), (Qualification.ASSISTANT, False), (Qualification.NONE, True)], 1
            )
        ]
        session.add_all(team)
        session.flush()
        actor = Actor(f"demo-org-{index + 1}", Role.ORGANISATION, name, organisation_id=organisation.id)
        project = declare(
            session,
            DeclarationInput(
                programme_id=programme.id or 0,
                community_id=communities[index].id or 0,
                organisation_id=organisation.id,
                title=f"{communities[index].name}“邻里守望”三社联动服务项目",
                total_fen=30_000_000,
                community_service_area_m2=360 + 40 * index,
                street_leader_consent_file="demo/street-consent.pdf",
                team_worker_ids=[w.id for w in team if w.id is not None],
                budget_lines=[
                    BudgetLineInput(line.code, line.name, line.amount_fen)
                    for line in (programme.parsed_spec().budget.lines if programme.parsed_spec().budget else [])
                ],
            ),
            actor=actor,
            now=DEMO_DAY,
        )
        if index == 0:
            transition(session, project, "submit", actor=actor, expected_version=project.version, now=DEMO_DAY)
        declared += 1
        _demo_user(session, f"org{index + 1}", Role.ORGANISATION, name, organisation_id=organisation.id)
    street = session.get(Region, communities[0].parent_id)
    assert street is not None and street.parent_id is not None
    _demo_user(session, "coordinator", Role.CITY_COORDINATOR, "兰州市民政局", region_id=city.id)
    _demo_user(session, "chengguan", Role.DISTRICT_BUREAU, "城关区民政局", region_id=street.parent_id)
    _demo_user(session, "street", Role.STREET_OFFICE, street.name, region_id=street.id)
    _demo_user(session, "community", Role.COMMUNITY, communities[0].name, region_id=communities[0].id)
    _demo_user(session, "expert1", Role.EXPERT, experts[0].name, expert_id=experts[0].id)
    session.flush()
    return (
        f"已写入演示数据：{len(communities)} 个社区、{len(DEMO_ORGANISATIONS)} 家社工机构、{declared} 个申报；"
        f"演示账号 coordinator、chengguan、street、community、org1、org2、expert1，密码均为 {DEMO_PASSWORD}"
    )


def _demo_user(session: Session, username: str, role: Role, display_name: str, **scope: int | None) -> None:
    create_user(
        session, username=username, password=DEMO_PASSWORD, role=role, now=DEMO_DAY, display_name=display_name, **scope
    )


def start_demo_clock(session: Session, *, settings: Settings, actor: Actor) -> datetime | None:
    """In simulation mode, a clock never set starts on the demo day (inside Lanzhou 2022's declaration window)."""
    if not settings.simulated_clock or stored_clock(session) is not None:
        return None
    started = advance_clock(
        session,
        data=ClockAdvance(to=DEMO_DAY, expected_version=0, reason="演示数据：模拟从兰州 2022 申报期开始"),
        actor=actor,
        settings=settings,
        wall_now=system_clock(),
        start_catch_ups=None,
    )
    return started.now
