"""A project's, a node's and a review assignment's detail say which actions are possible now, and why not;
their lists show the actions only, leaving the rules to the detail."""

from typing import Any

from sqlmodel import Session

from models.roles import Role
from tests import factories
from tests.factories import DECLARATION_DAY
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.api.builders import Api, city_programme, open_assignment, side, user

V1 = "/api/v1"
Shown = dict[str, tuple[bool | None, str | None]]


def _read(api: Api, headers: dict[str, str], url: str) -> Any:
    response = api.client.get(f"{V1}/{url}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _shown(entity: dict[str, Any]) -> Shown:
    return {a["event"]: (a["possible"], a["reason"]) for a in entity["allowed_actions"]}


def _unasked(entities: list[dict[str, Any]]) -> set[tuple[bool | None, str | None]]:
    return {shown for entity in entities for shown in _shown(entity).values()}


def _fire(api: Api, headers: dict[str, str], url: str, entity: dict[str, Any], event: str, **body: Any) -> Any:
    return api.client.post(
        f"{V1}/{url}/actions/{event}", headers=headers, json={"expected_version": entity["version"], **body}
    )


def test_a_draft_read_outside_the_declaration_window_shows_why_it_cannot_be_submitted(
    session: Session, api: Api
) -> None:
    cast = factories.cast(session, programme=city_programme(session))
    organisation = user(session, Role.ORGANISATION, organisation_id=cast.organisation.id)
    url = f"projects/{cast.project.id}"

    api.clock.now = DECLARATION_DAY.replace(month=9, day=1)
    late = _read(api, api.headers(organisation), url)
    assert _shown(late) == {
        "submit": (False, "不在申报期内（2022-05-31 至 2022-08-30），今天是 2022-09-01"),
        "withdraw": (True, None),
    }
    refused = _fire(api, api.headers(organisation), url, late, "submit")
    assert refused.status_code == 422 and refused.json()["detail"] == _shown(late)["submit"][1]
    listed = _read(api, api.headers(organisation), "projects")["items"]
    assert [p["id"] for p in listed] == [cast.project.id] and _unasked(listed) == {(None, None)}

    api.clock.now = DECLARATION_DAY
    within = _read(api, api.headers(organisation), url)
    assert _shown(within) == {"submit": (True, None), "withdraw": (True, None)}
    assert _fire(api, api.headers(organisation), url, within, "submit").status_code == 200


def test_a_project_in_progress_shows_why_its_final_evaluation_waits(session: Session, api: Api) -> None:
    world = side(session)
    open_nodes = len(factories.nodes(session, world.project))
    api.clock.now = IMPLEMENTATION_DAY
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])

    shown = _shown(_read(api, coordinator, f"projects/{world.project.id}"))

    possible, reason = shown["begin_final_evaluation"]
    assert possible is False and reason is not None
    assert reason.startswith(f"尚有 {open_nodes} 个节点报告未通过审核或免于提交：")
    assert shown["suspend"] == (True, None) and shown["terminate"] == (True, None)


def test_a_node_detail_shows_whether_its_report_can_be_submitted_now(session: Session, api: Api) -> None:
    world = side(session)
    api.clock.now = IMPLEMENTATION_DAY
    organisation = api.headers(world.users[Role.ORGANISATION])
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    url = f"nodes/{world.node.id}"

    assert _shown(_read(api, organisation, url)) == {"submit": (True, None)}
    assert _shown(_read(api, coordinator, url)) == {"waive": (True, None), "extend": (True, None)}  # extend: payload
    assert _unasked(_read(api, organisation, f"projects/{world.project.id}/nodes")) == {(None, None)}
    assert _unasked(_read(api, organisation, "nodes/mine")["items"]) == {(None, None)}

    project = _read(api, coordinator, f"projects/{world.project.id}")
    terminated = _fire(api, coordinator, f"projects/{world.project.id}", project, "terminate", reason="机构停止运营")
    assert terminated.status_code == 200, terminated.text

    node = _read(api, organisation, url)
    assert node["state"] == "pending"
    assert _shown(node) == {"submit": (False, "项目不在实施阶段，不能提交节点报告")}


def test_a_review_assignment_detail_shows_its_actions_possible_now(session: Session, api: Api) -> None:
    world = side(session)
    offered = open_assignment(session, world)
    expert = api.headers(world.users[Role.EXPERT])
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    url = f"review-assignments/{offered.id}"

    assignment = _read(api, expert, url)
    assert _shown(assignment) == {"accept": (True, None), "decline": (True, None)}
    assert _shown(_read(api, coordinator, url)) == {"withdraw": (True, None), "extend_due_date": (True, None)}
    listed = _read(api, expert, "review-assignments")["items"]
    assert offered.id in {a["id"] for a in listed} and _unasked(listed) == {(None, None)}

    assert _fire(api, expert, url, assignment, "accept").status_code == 200
    assert _shown(_read(api, expert, url)) == {"submit_scores": (True, None)}  # its guard needs the scores
    assert _shown(_read(api, expert, f"review-assignments/{world.assignment.id}")) == {}  # scored: nothing left
