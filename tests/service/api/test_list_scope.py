"""Lists agree with `models.scope.can_see`: every user of every role gets exactly the rows it may see, no more.

A small world of one programme: four declarations over two districts, two organisations and two experts
(one assignment withdrawn), and users in and out of scope. The project list is also asked with region and
programme filters, since the list merges those with the reader's scope into one predicate.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models.assignments import assign_expert
from models.node import Node
from models.project import Project
from models.region import Region, RegionLevel
from models.region_tree import ensure_region
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.scope import can_see
from models.user import User
from service.auth import actor_of
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api, api_on, city_programme, user

V1 = "/api/v1"


@dataclass
class World:
    api: Api
    session: Session
    users: list[User]
    projects: list[Project]
    filters: list[dict[str, Any]]


def _build(session: Session) -> tuple[list[User], list[Project], list[dict[str, Any]]]:
    programme = city_programme(session)
    orgs = [factories.organisation(session), factories.organisation(session)]
    experts = [factories.expert(session), factories.expert(session)]
    coordinator = Actor("coordinator", Role.CITY_COORDINATOR, "市民政局统筹员", region_id=programme.region_id)
    due = (factories.DECLARATION_DAY + timedelta(days=14)).date()

    def declared(
        district: str, org: int, reviewers: list[int], *, start: bool, withdrawn: tuple[int, ...] = ()
    ) -> factories.Cast:
        cast = factories.cast(session, programme=programme, district_name=district, declaring=orgs[org])
        if reviewers:
            paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
            for e in reviewers:
                assignment = assign_expert(
                    session,
                    project=cast.project,
                    expert=experts[e],
                    due_date=due,
                    actor=coordinator,
                    now=factories.DECLARATION_DAY,
                )
                if e in withdrawn:
                    fire(assignment, "withdraw", coordinator)
                elif start:  # `select` waits for every review to be submitted or withdrawn
                    scorer = Actor("expert", Role.EXPERT, expert_id=experts[e].id)
                    fire(assignment, "accept", scorer)
                    fire(assignment, "submit_scores", scorer)
        if start:
            paths.drive_project(session, cast, ["select", "contract", "start"], close_nodes=False)
        return cast

    def fire(assignment: ReviewAssignment, event: str, actor: Actor) -> None:
        factories.fire(session, assignment, event, actor, now=factories.DECLARATION_DAY, lifecycle="review_assignment")

    casts = [
        declared("城关区", 0, [0], start=True),
        declared("城关区", 1, [1], start=False),
        declared("七里河区", 0, [1, 0], start=True, withdrawn=(0,)),
        declared("七里河区", 1, [], start=False),
    ]

    districts = {name: factories.district(session, programme, name) for name in ("城关区", "七里河区", "西固区")}
    streets = [region for c in (casts[0], casts[2]) if (region := session.get(Region, c.community.parent_id))]
    assert len(streets) == 2
    other_city = ensure_region(session, name=factories.unique("市"), level=RegionLevel.CITY, parent=None)
    scopes: list[tuple[Role, dict[str, Any]]] = [
        (Role.CITY_COORDINATOR, {"region_id": programme.region_id}),
        (Role.CITY_COORDINATOR, {"region_id": other_city.id}),
        *[(Role.DISTRICT_BUREAU, {"region_id": d.id}) for d in districts.values()],
        *[(Role.STREET_OFFICE, {"region_id": s.id}) for s in streets],
        *[(Role.COMMUNITY, {"region_id": casts[i].community.id}) for i in (1, 3)],
        *[(Role.ORGANISATION, {"organisation_id": o.id}) for o in [*orgs, factories.organisation(session)]],
        *[(Role.EXPERT, {"expert_id": e.id}) for e in [*experts, factories.expert(session)]],
        (Role.ADMIN, {}),
    ]
    users = [user(session, role, **scope) for role, scope in scopes]
    assert {u.role for u in users} == set(Role)
    filters: list[dict[str, Any]] = [
        {},
        {"programme_id": programme.id},
        *[{"district_id": d.id} for d in districts.values()],
        *[{"street_id": s.id} for s in streets],
        {"community_id": casts[1].community.id},
        {"programme_id": programme.id, "district_id": districts["七里河区"].id},
        {"district_id": districts["城关区"].id, "street_id": streets[1].id},
        {"district_id": other_city.id},
    ]
    session.flush()
    return users, [c.project for c in casts], filters


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
            users, projects, filters = _build(session)
            files: Path = tmp_path_factory.mktemp("files")
            with api_on(connection, files, paths.IMPLEMENTATION_DAY) as api:
                yield World(api, session, users, projects, filters)
        outer.rollback()


def _label(account: User) -> str:
    scope = account.region_id or account.organisation_id or account.expert_id
    return f"{account.role.value}({scope})"


def _matches(session: Session, project: Project, filters: dict[str, Any]) -> bool:
    """The filter's meaning, from the region tree's paths rather than from any column the list may use."""
    community = session.get(Region, project.community_id)
    assert community is not None
    for key, value in filters.items():
        if key == "programme_id" and project.programme_id != value:
            return False
        if key in ("district_id", "street_id", "community_id"):
            region = session.get(Region, value)
            if region is None or not community.path.startswith(region.path):
                return False
    return True


def _listed(w: World, url: str, account: User, params: dict[str, Any]) -> set[int]:
    response = w.api.client.get(url, headers=w.api.headers(account), params={**params, "page_size": 200})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"]) <= 200
    return {item["id"] for item in page["items"]}


def test_project_list_is_what_can_see_allows(world: World) -> None:
    everything = world.session.exec(select(Project)).all()
    wrong = []
    for account in world.users:
        actor = actor_of(account)
        for filters in world.filters:
            expected = {
                p.id for p in everything if can_see(world.session, actor, p) and _matches(world.session, p, filters)
            }
            listed = _listed(world, f"{V1}/projects", account, filters)
            if listed != expected:
                wrong.append(f"{_label(account)} {filters}: expected {sorted(expected)}, listed {sorted(listed)}")  # type: ignore[type-var]
    assert not wrong, "\n".join(wrong)
    # The world is not trivial: someone sees each project, and someone sees only part of them.
    seen = [_listed(world, f"{V1}/projects", account, {}) for account in world.users]
    assert set().union(*seen) >= {p.id for p in world.projects}
    assert any(0 < len(s & {p.id for p in world.projects}) < len(world.projects) for s in seen)


def test_node_lists_are_what_can_see_allows(world: World) -> None:
    wrong = []
    for account in world.users:
        actor = actor_of(account)
        for project in world.projects:
            nodes = world.session.exec(select(Node).where(Node.project_id == project.id)).all()
            visible = {n.id for n in nodes if can_see(world.session, actor, n)}
            response = world.api.client.get(f"{V1}/projects/{project.id}/nodes", headers=world.api.headers(account))
            listed = {n["id"] for n in response.json()} if response.status_code == 200 else set()
            if response.status_code not in (200, 404) or listed != visible:
                wrong.append(
                    f"{_label(account)} project {project.id}: expected {sorted(visible)}, "  # type: ignore[type-var]
                    f"got {response.status_code} {sorted(listed)}"
                )
            if response.status_code == 200 and not can_see(world.session, actor, project):
                wrong.append(f"{_label(account)} project {project.id}: listed the nodes of a project it cannot see")
    assert not wrong, "\n".join(wrong)
    assert world.session.exec(select(Node).where(Node.project_id == world.projects[0].id)).first()


def test_review_assignment_list_is_what_can_see_allows(world: World) -> None:
    everything = world.session.exec(select(ReviewAssignment)).all()
    assert len(everything) >= 4
    wrong = []
    for account in world.users:
        actor = actor_of(account)
        expected = {a.id for a in everything if can_see(world.session, actor, a)}
        listed = _listed(world, f"{V1}/review-assignments", account, {})
        if listed != expected:
            wrong.append(f"{_label(account)}: expected {sorted(expected)}, listed {sorted(listed)}")  # type: ignore[type-var]
    assert not wrong, "\n".join(wrong)
