"""Lists a user needs: what waits for me across projects, notices filtered and counted, a programme's node plan."""

from sqlmodel import Session

from models.roles import Role
from schedules.calendar_store import calendar_from_db
from schedules.planning import plan_nodes
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api, failed_notice, side
from tests.service.api.builders import user as new_user

V1 = "/api/v1"


def mine(api: Api, user: object, **params: object) -> dict[str, object]:
    got = api.client.get(f"{V1}/nodes/mine", headers=api.headers(user), params=params)  # type: ignore[arg-type]
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_my_open_nodes_are_what_waits_for_each_role_soonest_first(session: Session, api: Api) -> None:
    world = side(session)
    cast = factories.cast(session, programme=world.programme, declaring=world.organisation)
    paths.drive_project(session, cast, paths.TO_IN_PROGRESS, close_nodes=False)
    nodes = factories.nodes(session, cast.project)
    paths.drive_node(session, cast, nodes[0], ["submit"])  # the community's to confirm
    paths.drive_node(session, cast, nodes[1], ["submit", "confirm"])  # the district's to approve
    community = new_user(session, Role.COMMUNITY, region_id=cast.community.id)
    session.flush()
    side_nodes = factories.nodes(session, world.project)

    organisation = mine(api, world.users[Role.ORGANISATION], page_size=200)
    expected = sorted([*side_nodes, *nodes[2:]], key=lambda n: (n.due_date, n.id))
    assert [n["id"] for n in organisation["items"]] == [n.id for n in expected]  # type: ignore[union-attr, index]
    assert organisation["total"] == len(expected)
    assert {n["state"] for n in organisation["items"]} == {"pending"}  # type: ignore[union-attr, index]
    assert all(n["allowed_actions"][0]["event"] == "submit" for n in organisation["items"])  # type: ignore[index, union-attr]

    first_page = mine(api, world.users[Role.ORGANISATION], page_size=2, page=2)
    assert [n["id"] for n in first_page["items"]] == [n.id for n in expected[2:4]]  # type: ignore[union-attr, index]
    assert first_page["total"] == len(expected)

    confirmed = mine(api, community)
    assert [n["id"] for n in confirmed["items"]] == [nodes[0].id]  # type: ignore[union-attr, index]
    district = mine(api, world.users[Role.DISTRICT_BUREAU])
    assert [n["id"] for n in district["items"]] == [nodes[1].id]  # type: ignore[union-attr, index]
    watched = mine(api, world.users[Role.CITY_COORDINATOR], page_size=200)
    assert watched["total"] == len(side_nodes) + len(nodes)  # no step of its own: every open node of its city
    assert mine(api, world.users[Role.EXPERT])["total"] == 0
    elsewhere = side(session)
    assert mine(api, elsewhere.users[Role.DISTRICT_BUREAU])["total"] == 0
    assert mine(api, world.users[Role.ORGANISATION], programme_id=elsewhere.programme.id)["total"] == 0
    assert api.client.get(f"{V1}/nodes/mine").status_code == 401


def test_notices_filter_by_project_node_and_template_with_a_total(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    rows = [failed_notice(session, factories.DECLARATION_DAY) for _ in range(4)]
    second_node = factories.nodes(session, world.project)[1]
    for row, (entity_type, entity_id, template) in zip(
        rows,
        [
            ("node", world.node.id, "node_overdue"),
            ("node", second_node.id, "node_reminder"),
            ("review_assignment", world.assignment.id, "review_assigned"),
            ("project", world.project.id, "project_selected"),
        ],
        strict=True,
    ):
        row.entity_type, row.entity_id, row.template = entity_type, entity_id, template  # type: ignore[assignment]
    session.flush()

    def listed(**params: object) -> tuple[list[int], int]:
        got = api.client.get(f"{V1}/notices", headers=coordinator, params=params)  # type: ignore[arg-type]
        assert got.status_code == 200, got.text
        return [n["id"] for n in got.json()], int(got.headers["x-total-count"])

    ids = [row.id for row in rows]
    assert listed(project_id=world.project.id) == (ids[::-1], 4)  # the newest first
    assert listed(node_id=world.node.id) == ([ids[0]], 1)
    assert listed(project_id=world.project.id, template=["node_overdue", "review_assigned"]) == (
        [ids[2], ids[0]],
        2,
    )
    assert listed(project_id=world.project.id, limit=1, page=2) == ([ids[2]], 4)
    pending, total = listed(project_id=world.project.id, status="pending")  # the project's own notices, queued
    assert total == len(pending) > 0 and not set(pending) & set(ids)
    assert listed(node_id=world.node.id, status="failed") == ([ids[0]], 1)  # the parameters it always had


def test_the_node_plan_is_previewed_before_any_project_starts(session: Session, api: Api) -> None:
    world = side(session)  # its project started with the same calendar: its nodes are the plan
    got = api.client.get(
        f"{V1}/programmes/{world.programme.id}/node-plan", headers=api.headers(world.users[Role.ORGANISATION])
    )
    assert got.status_code == 200, got.text
    plan = got.json()
    expected = plan_nodes(world.programme.parsed_spec(), calendar_from_db(session))
    assert [(n["kind"], n["sequence"], n["due_date"]) for n in plan["items"]] == [
        (n.kind, n.sequence, n.due_date.isoformat()) for n in expected
    ]
    started = factories.nodes(session, world.project)
    assert [(n["title"], n["due_date"]) for n in plan["items"]] == [(n.title, n.due_date.isoformat()) for n in started]
    assert plan["items"][0]["planned_from"] and plan["programme_code"] == world.programme.code
    missing = api.client.get(f"{V1}/programmes/999999/node-plan", headers=api.headers(world.users[Role.EXPERT]))
    assert missing.status_code == 404
