"""Every link in every notice opens a page for its recipient: each mail template gets a real notice from the use cases
(transitions, assignments, extensions, sweeps, a bulletin), rendered as the dispatcher renders it under the configured
public address, and each of its links is opened in Chromium signed in as the recipient's own account."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import Session, select

from models.dates import SHANGHAI
from models.expert import Expert
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.node import Node
from models.organisation import Organisation
from models.outbox import OutboxMessage
from models.region import Region
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.user import User
from schedules.calendar_store import calendar_from_db
from schedules.review_sweep import due_rungs, escalation_notices, open_assignments
from schedules.rung_claims import claim, queue_escalation_notices
from schedules.sweep import due_node_ids, session_steps
from service.commands.bulletins import BulletinCreate, publish_on_demand
from service.commands.extensions import NodeExtension, extend_node
from service.mail.compose import compose, parse_sender
from service.mail.outbox_leases import ClaimedNotice
from service.mail.rendering import TEMPLATES_DIR
from service.transitions import transition
from tests import factories
from tests.console.conftest import World, sign_in
from tests.models import lifecycle_paths as paths
from tests.service.api import builders
from tests.service.mail.builders import SENDER

# Every notice kind there is: a new template file is a new case here, and fails until a notice of it is made below.
TEMPLATES = sorted(path.stem for path in TEMPLATES_DIR.glob("*.j2") if not path.name.startswith("_"))
LINK = re.compile(r"https?://[^\s\"'<>]+")
ROLE_OF_PARTY = {
    "organisation": Role.ORGANISATION,
    "community": Role.COMMUNITY,
    "street_office": Role.STREET_OFFICE,
    "district_bureau": Role.DISTRICT_BUREAU,
    "city_coordinator": Role.CITY_COORDINATOR,
    "expert": Role.EXPERT,
}
MORNING = time(9, 0)
SCREEN = {"width": 1366, "height": 768}


@dataclass(frozen=True)
class Notice:
    row: OutboxMessage
    recipient: User
    about: list[str]  # words the page must show: what the notice is about


def _morning(day: date) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=SHANGHAI)


def _projects(session: Session, side: builders.Side) -> list[factories.Cast]:
    """Declarations of the side's programme driven through every project event that tells someone."""
    districts = session.exec(select(Region.name).where(Region.parent_id == side.programme.region_id)).all()
    fresh = [  # spread over the districts: each selects at most its quota of pilots
        factories.cast(session, programme=side.programme, district_name=districts[index % len(districts)])
        for index in range(9)
    ]
    accepted, ineligible, rejected, suspended, rectified, failed, withdrawn, terminated, fraud = fresh
    finals = paths.TO_IN_PROGRESS + ["begin_final_evaluation"]
    paths.drive_project(session, accepted, [*finals, "accept"])  # its nodes are waived at `start`
    paths.drive_project(session, ineligible, ["submit", "declare_ineligible"])
    paths.drive_project(session, rejected, [*paths.TO_UNDER_REVIEW, "reject"])
    paths.drive_project(session, suspended, [*paths.TO_IN_PROGRESS, "suspend", "resume"], close_nodes=False)
    paths.drive_project(session, rectified, [*finals, "require_rectification"])
    paths.drive_project(session, failed, [*finals, "fail"])
    paths.drive_project(session, withdrawn, ["submit", "withdraw"])
    paths.drive_project(session, terminated, ["submit", "terminate"])
    paths.drive_project(session, fraud, ["submit", "terminate_for_fraud"])
    return fresh


def _nodes(session: Session, cast: factories.Cast) -> None:
    """Node reports through every node event that tells someone, and a due date moved by the extension use case."""
    returned, approved, moved = factories.nodes(session, cast.project)[:3]
    paths.drive_node(session, cast, returned, ["submit", "confirm", "return", "resubmit"])
    paths.drive_node(session, cast, approved, ["submit", "confirm", "approve"])
    data = NodeExtension(
        new_due_date=moved.due_date + timedelta(days=14), reason="疫情防控延期", expected_version=moved.version
    )
    extend_node(
        session, node_id=moved.id, data=data, actor=cast.actor(Role.CITY_COORDINATOR), now=paths.IMPLEMENTATION_DAY
    )


def _reviews(session: Session, side: builders.Side) -> list[ReviewAssignment]:
    """Assignments offered, extended, declined and withdrawn through their lifecycle."""
    extended, declined, withdrawn = (builders.open_assignment(session, side) for _ in range(3))
    coordinator = Actor("coordinator", Role.CITY_COORDINATOR, "市民政局统筹员", region_id=side.programme.region_id)
    expert = Actor("expert", Role.EXPERT, "专家", expert_id=side.expert.id)
    day = factories.DECLARATION_DAY
    later = {"due_date": (extended.due_date + timedelta(days=7)).isoformat()}
    for assignment, event, actor, payload in (
        (extended, "extend_due_date", coordinator, later),
        (declined, "decline", expert, {}),
        (withdrawn, "withdraw", coordinator, {}),
    ):
        transition(
            session,
            assignment,
            event,
            actor=actor,
            expected_version=assignment.version,
            now=day,
            reason="测试理由",
            payload=payload,
        )
    return [extended]


def _sweep_reviews(session: Session, assignments: list[ReviewAssignment]) -> None:
    """The review sweep's own steps, day by day past the due date, over these assignments only."""
    calendar = calendar_from_db(session)
    ids = {a.id for a in assignments}
    first = min(a.due_date for a in assignments) - timedelta(days=10)
    for offset in range(40):
        as_of = first + timedelta(days=offset)
        rows = [row for row in open_assignments(session) if row.id in ids]
        dues = due_rungs(session, rows, as_of=as_of, calendar=calendar)
        fresh = claim(session, dues, as_of=as_of, now=_morning(as_of))
        told = [due for due in dues if (due.entity_id, due.rung.code) in fresh and not due.skipped]
        notices = escalation_notices(session, rows, told, as_of=as_of, calendar=calendar)
        queue_escalation_notices(session, notices, as_of=as_of, now=_morning(as_of))
        session.flush()


def _sweep_nodes(session: Session, nodes: list[Node]) -> None:
    """The node sweep's own claim step, day by day past the first due date, over these nodes only."""
    steps = session_steps(session)
    ids = {node.id for node in nodes}
    first = min(node.due_date for node in nodes) - timedelta(days=10)
    for offset in range(40):
        as_of = first + timedelta(days=offset)
        due = [node_id for node_id in due_node_ids(session, as_of) if node_id in ids]
        if due:
            steps.claim(due, as_of, _morning(as_of))


class Recipients:
    """The account of each notice's recipient, made once per party and scope (the address names the office)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.made: dict[tuple[Role, str, int], User] = {}

    def of(self, row: OutboxMessage) -> User:
        role = ROLE_OF_PARTY[row.recipient_party]
        scope = self._scope(row, role)
        key = (role, *next(iter(scope.items())))
        if key not in self.made:
            self.made[key] = builders.user(self.session, role, **scope)
        return self.made[key]

    def _scope(self, row: OutboxMessage, role: Role) -> dict[str, int]:
        address = row.recipient_address
        if role is Role.EXPERT:
            expert = self.session.exec(select(Expert).where(Expert.email == address)).one()
            return {"expert_id": expert.id}
        if role is Role.ORGANISATION:
            organisation = self.session.exec(select(Organisation).where(Organisation.contact_email == address)).one()
            return {"organisation_id": organisation.id}
        region = self.session.exec(select(Region).where(Region.contact_email == address)).one()
        return {"region_id": region.id}


def _about(session: Session, row: OutboxMessage) -> list[str]:
    """What the recipient's page must show: the project's title, the node report's title, the programme's name."""
    params = row.params
    if row.entity_type == NODE.name:
        return [str(params["project_title"]), str(params.get("node_title") or _node_title(session, row.entity_id))]
    if row.entity_type == "programme":
        return [str(params["programme_name"])]
    return [str(params["project_title"])]


def _node_title(session: Session, node_id: int) -> str:
    node = session.get(Node, node_id)
    assert node is not None
    return node.title


@pytest.fixture(scope="module")
def notices(world: World) -> dict[str, list[Notice]]:
    """A real notice of each kind to each party it is sent to, with the recipient's account (this module's rows)."""
    with Session(world.engine, expire_on_commit=False) as session:
        start = session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first() or 0  # type: ignore[union-attr]
        side = builders.side(session)
        city = session.get(Region, side.programme.region_id)
        assert city is not None
        city.contact_email = f"{factories.unique('city')}@example.cn"
        session.add(city)
        casts = _projects(session, side)
        suspended = casts[3]
        _nodes(session, suspended)
        _sweep_nodes(session, factories.nodes(session, suspended.project))
        _sweep_reviews(session, _reviews(session, side))
        coordinator = Actor("coordinator", Role.CITY_COORDINATOR, "市民政局统筹员", region_id=side.programme.region_id)
        year = min(n.due_date for n in factories.nodes(session, side.project)).year
        publish_on_demand(
            session,
            data=BulletinCreate(programme_id=side.programme.id, period=str(year), as_of=date(year, 12, 31)),
            actor=coordinator,
            now=_morning(date(year + 1, 1, 5)),
            files_dir=world.files_dir,
        )
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.id > start).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        ).all()
        recipients = Recipients(session)
        found: dict[str, list[Notice]] = {}
        for row in rows:
            told = found.setdefault(row.template, [])
            if row.recipient_address is not None and row.recipient_party not in {n.row.recipient_party for n in told}:
                told.append(Notice(row, recipients.of(row), _about(session, row)))
        session.commit()
        return {template: told for template, told in found.items() if told}


def _mail(notice: Notice, public_url: str) -> EmailMessage:
    """The mail as the dispatcher composes it from the stored row, under the configured public address."""
    row = notice.row
    assert row.id is not None
    claimed = ClaimedNotice(
        id=row.id,
        template=row.template,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        recipient_name=row.recipient_name,
        recipient_address=row.recipient_address,
        params=dict(row.params),
        message_id=row.message_id,
        digest_key=row.digest_key,
        attempts=0,
        digest_part=None,
        digest_parts=None,
    )
    mail = compose([claimed], sender=parse_sender(SENDER), public_url=public_url, now=row.created_at)
    parsed = message_from_bytes(mail.as_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _links(mail: EmailMessage) -> list[str]:
    """Every http(s) link of the plain text and HTML parts (an .ics attachment's URL besides)."""
    found: list[str] = []
    for part in mail.walk():
        if part.get_content_maintype() == "text":
            found += LINK.findall(part.get_content())
    return sorted({link.rstrip(".,;，。") for link in found})


@pytest.fixture(scope="module")
def signed_in(browser: Browser, world: World) -> Iterator[Callable[[User], Page]]:
    """One browser of each recipient's own account for the whole module, signed in once: a page per account."""
    contexts: dict[int, tuple[BrowserContext, Page]] = {}

    def page_of(recipient: User) -> Page:
        assert recipient.id is not None
        if recipient.id not in contexts:
            context = browser.new_context(base_url=world.base_url, viewport=SCREEN, locale="zh-CN")  # type: ignore[arg-type]
            page = context.new_page()
            sign_in(page, recipient)
            expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
            contexts[recipient.id] = (context, page)
        return contexts[recipient.id][1]

    yield page_of
    for context, _ in contexts.values():
        context.close()


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_link_of_the_notice_opens_its_page_for_its_recipient(
    signed_in: Callable[[User], Page], world: World, notices: dict[str, list[Notice]], template: str
) -> None:
    assert template in notices, f"没有产生 {template} 的通知：请在本测试的场景中加入产生它的用例"
    public_url = world.base_url + "/"  # as configured, with a trailing slash: links must not double it
    for notice in notices[template]:  # each party it is sent to, signed in as that party's own account
        party = notice.row.recipient_party
        links = _links(_mail(notice, public_url))
        assert links, f"{template} 的邮件没有链接"
        page = signed_in(notice.recipient)
        for link in links:
            assert link.startswith(world.base_url + "/console/"), f"{template} 的链接不在配置的地址下：{link}"
            assert "//console" not in link.removeprefix("http://")
            answer = page.goto(link)
            status = answer.status if answer is not None else None
            assert status == 200, f"{template}（{party}）：{link} 答 {status}"
            assert "/console/login" not in page.url
            for words in notice.about:
                expect(page.get_by_role("main")).to_contain_text(words)


def test_a_review_notice_links_to_the_expert_inbox_not_the_project(
    notices: dict[str, list[Notice]], world: World
) -> None:
    """Guards `notice_link`'s review branch (service/mail/rendering.py): without it the mail names the project."""
    notice = notices["review_assigned"][0]
    links = _links(_mail(notice, world.base_url))
    assert f"{world.base_url}/console/reviews/{notice.row.entity_id}" in links
    assert not [link for link in links if "/console/projects/" in link]


def test_the_scenario_reaches_every_lifecycle_notice(notices: dict[str, list[Notice]]) -> None:
    declared = {n.template for lc in (PROJECT, NODE, REVIEW_ASSIGNMENT) for e in lc.events for n in e.notices}
    assert declared <= set(TEMPLATES)
    assert sorted(set(TEMPLATES) - set(notices)) == []
