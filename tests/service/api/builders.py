"""A test client over the app bound to the test's own connection, and a world seen from every role."""

import asyncio
import email.policy
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Connection
from sqlmodel import Session

from models.assignments import assign_expert
from models.expert import Expert
from models.node import Node
from models.notices import MESSAGE_ID_DOMAIN
from models.organisation import Organisation
from models.outbox import OutboxMessage, OutboxStatus
from models.programme import Programme
from models.programme_loader import install_programme, read_programme_file
from models.programme_spec import RegionSpec
from models.project import Project
from models.region import Region, RegionLevel
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.social_worker import SocialWorker
from models.user import User
from service.api.deps import get_session
from service.app import create_app
from service.auth import create_access_token, create_user
from service.mail.catcher import CatchingHandler, catcher_dir
from service.settings import Settings
from tests import factories
from tests.models import lifecycle_paths as paths

PASSWORD = "correct-horse-battery"
# The test accounts' one password, hashed once at argon2's lowest cost: the service's own hasher verifies it (argon2
# reads the cost from the hash) in a fraction of a millisecond, where the production cost takes 0.15 s a sign-in and
# a hash. Passwords set through the use cases (accounts, resets, changes) are still hashed at the production cost.
PASSWORD_HASH = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
ROLES = tuple(Role)


class FakeClock:
    """The only clock the app reads in tests; move it by assigning `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    client: TestClient
    clock: FakeClock
    settings: Settings

    def headers(self, user: User) -> dict[str, str]:
        token = create_access_token(user, settings=self.settings, now=self.clock())
        return {"Authorization": f"Bearer {token}"}

    def act(self, who: User, resource: str, entity_id: int, event: str, **body: Any) -> Any:
        """Read the entity's version as `who`, then fire `event` with it: what a client does."""
        fresh = self.client.get(f"/api/v1/{resource}/{entity_id}", headers=self.headers(who)).json()
        return self.client.post(
            f"/api/v1/{resource}/{entity_id}/actions/{event}",
            headers=self.headers(who),
            json={"expected_version": fresh["version"], **body},
        )


@contextmanager
def api_on(connection: Connection, files_dir: Path, now: datetime, **settings_given: Any) -> Iterator[Api]:
    """The app with its sessions on `connection`: their commits become savepoints of the test's transaction."""
    settings = Settings(
        secret_key="test-secret-" + uuid.uuid4().hex, files_dir=files_dir, scheduler_enabled=False, **settings_given
    )
    clock = FakeClock(now)
    app = create_app(settings=settings, engine=connection.engine, clock=clock)

    def session_on_connection() -> Iterator[Session]:
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
            yield session

    app.dependency_overrides[get_session] = session_on_connection
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, clock, settings)


def user(session: Session, role: Role, **scope: Any) -> User:
    return create_user(
        session,
        username=factories.unique(f"{role.value}-"),
        password=PASSWORD,
        hashed_password=PASSWORD_HASH,
        role=role,
        now=factories.DECLARATION_DAY,
        display_name=f"测试{role.value}",
        **scope,
    )


def city_programme(session: Session, *, blind: bool = False, paper_entry: bool = False) -> Programme:
    """Lanzhou 2022's rules over a city of its own, so that its regions are out of every other side's scope."""
    spec = read_programme_file(factories.PROGRAMMES / "lanzhou-2022.yaml")
    spec = spec.model_copy(
        update={
            "code": f"city-{uuid.uuid4().hex[:8]}",
            "region": RegionSpec(name=factories.unique("市"), level="city", subdivisions=spec.region.subdivisions),
            "rubric": spec.rubric.model_copy(update={"blind": blind}),
            "paper_entry": paper_entry,
        }
    )
    return install_programme(session, spec, now=factories.DECLARATION_DAY)


@dataclass
class Side:
    """One programme's project in implementation, with a node, its submitted review and users of every role."""

    programme: Programme
    district: Region
    street: Region
    community: Region
    organisation: Organisation
    worker: SocialWorker
    expert: Expert
    project: Project
    node: Node
    assignment: ReviewAssignment
    users: dict[Role, User] = field(default_factory=dict)


def side(session: Session, programme: Programme | None = None) -> Side:
    programme = programme or city_programme(session)
    cast = factories.cast(session, programme=programme)
    expert = factories.expert(session)
    assignment = review_submitted(session, cast, expert)  # `select` waits for every review to be closed
    paths.drive_project(session, cast, ["select", "contract", "start"], close_nodes=False)
    street = session.get(Region, cast.community.parent_id)
    assert street is not None and street.parent_id is not None
    district = session.get(Region, street.parent_id)
    assert district is not None and district.level == RegionLevel.DISTRICT
    built = Side(
        programme=programme,
        district=district,
        street=street,
        community=cast.community,
        organisation=cast.organisation,
        worker=cast.team[0],
        expert=expert,
        project=cast.project,
        node=factories.nodes(session, cast.project)[0],
        assignment=assignment,
    )
    built.users = {
        Role.CITY_COORDINATOR: user(session, Role.CITY_COORDINATOR, region_id=programme.region_id),
        Role.DISTRICT_BUREAU: user(session, Role.DISTRICT_BUREAU, region_id=district.id),
        Role.STREET_OFFICE: user(session, Role.STREET_OFFICE, region_id=street.id),
        Role.COMMUNITY: user(session, Role.COMMUNITY, region_id=cast.community.id),
        Role.ORGANISATION: user(session, Role.ORGANISATION, organisation_id=cast.organisation.id),
        Role.EXPERT: user(session, Role.EXPERT, expert_id=expert.id),
        Role.ADMIN: user(session, Role.ADMIN),
    }
    session.flush()
    return built


def review_submitted(session: Session, cast: factories.Cast, expert: Expert) -> ReviewAssignment:
    """The cast's declaration under review, assigned to `expert`, who accepts and scores it."""
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    assignment = assign_expert(
        session,
        project=cast.project,
        expert=expert,
        due_date=(factories.DECLARATION_DAY + timedelta(days=14)).date(),
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=factories.DECLARATION_DAY,
    )
    scorer = Actor("expert", Role.EXPERT, expert_id=expert.id)
    for event in ("accept", "submit_scores"):
        factories.fire(session, assignment, event, scorer, now=factories.DECLARATION_DAY, lifecycle="review_assignment")
    return assignment


def open_assignment(session: Session, world: Side) -> ReviewAssignment:
    """An assignment still open (offered) to the side's expert, on a fresh declaration under review."""
    cast = factories.cast(session, programme=world.programme, district_name=world.district.name)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    return assign_expert(
        session,
        project=cast.project,
        expert=world.expert,
        due_date=(factories.DECLARATION_DAY + timedelta(days=14)).date(),
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=factories.DECLARATION_DAY,
    )


def failed_notice(
    session: Session, now: datetime, *, error: str = "550 5.1.1 <x@example.invalid>: mailbox unavailable"
) -> OutboxMessage:
    """A notice the dispatcher gave up on, as it leaves one: failed, with the server's answer."""
    key = uuid.uuid4().hex
    row = OutboxMessage(
        template="node_overdue",
        entity_type="node",
        entity_id=1,
        recipient_party="street_office",
        recipient_name="东岗街道办事处",
        recipient_address="x@example.invalid",
        params={},
        message_id=f"<{key}@{MESSAGE_ID_DOMAIN}>",
        status=OutboxStatus.FAILED,
        attempts=1,
        last_error=error,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def catch_mail(settings: Settings, *, subject: str = "节点报告逾期提醒", body: str = "请尽快提交节点报告。") -> str:
    """Hand a mail to the dev catcher's own handler, which stores it; returns the stored file's name."""
    directory = catcher_dir(settings)
    before = set(directory.glob("*.eml")) if directory.is_dir() else set()
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"], message["From"], message["To"] = (
        subject,
        "三社联动平台 <noreply@sanshe.local>",
        "org@example.cn",
    )
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"
    message.set_content(body)
    envelope = Envelope()
    envelope.content = envelope.original_content = message.as_bytes()
    asyncio.run(CatchingHandler(directory).handle_DATA(None, None, envelope))  # type: ignore[arg-type]
    (stored,) = set(directory.glob("*.eml")) - before
    return stored.name
