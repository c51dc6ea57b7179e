"""Typed actions: every event's payload schema is in the OpenAPI document, a wrong shape is 422 naming the field,
and the allowed actions say which are possible now and why not."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from models.assignments import assign_expert
from models.lifecycles import PROJECT
from models.roles import Role
from service.commands.actions import REQUEST_MODELS
from service.queries.common import state_view
from service.queries.entities import LIFECYCLE_OF, Resource
from tests import factories
from tests.factories import DECLARATION_DAY
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api, Side, side

V1 = "/api/v1"
ACTIONS = f"{V1}/{{resource}}/{{entity_id}}/actions/{{event}}"
# (resource, event) -> a payload of the wrong shape, and the field the refusal must name.
WRONG_SHAPES: dict[tuple[Resource, str], tuple[dict[str, Any], str]] = {
    (Resource.PROJECTS, "accept"): ({"local_policy_documents": "关于推进三社联动的实施意见"}, "local_policy_documents"),
    (Resource.NODES, "submit"): ({"summary": "本期开展个案 12 个", "attachments": 5}, "attachments"),
    (Resource.NODES, "confirm"): ({"opinion": {"意见": "同意"}}, "opinion"),
    (Resource.NODES, "resubmit"): ({"summary": "   "}, "summary"),
    (Resource.NODES, "extend"): ({"due_date": "下个月"}, "due_date"),
    (Resource.REVIEW_ASSIGNMENTS, "submit_scores"): ({"scores": [18, 26, 17, 13, 12]}, "scores"),
    (Resource.REVIEW_ASSIGNMENTS, "extend_due_date"): ({"due_date": "2030-06-28", "days": 7}, "days"),
}


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def test_every_event_has_its_request_schema_in_the_openapi_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    body = document["paths"][ACTIONS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    offered = {alternative["$ref"] for alternative in body["anyOf"]}
    for resource, lifecycle in LIFECYCLE_OF.items():
        for event in lifecycle.events:
            request = REQUEST_MODELS[(resource, event.name)].__name__
            assert _ref(request) in offered, (resource, event.name)
            assert schemas[request]["properties"]["payload"]["$ref"] == _ref(event.payload.__name__)
            payload = schemas[event.payload.__name__]
            assert payload["additionalProperties"] is False
            for name, field in payload.get("properties", {}).items():
                assert not field["description"].isascii(), (event.payload.__name__, name)  # described in Chinese
            required = set(payload.get("required", []))
            assert ("payload" in schemas[request].get("required", [])) == bool(required), request
    assert len(offered) == sum(len(lifecycle.events) for lifecycle in LIFECYCLE_OF.values())


def _post(
    api: Api, headers: dict[str, str], resource: Resource, entity: dict[str, Any], event: str, **body: Any
) -> Any:
    url = ACTIONS.format(resource=resource.value, entity_id=entity["id"], event=event)
    return api.client.post(url, headers=headers, json={"expected_version": entity["version"], **body})


def _refused_shape(
    api: Api, headers: dict[str, str], resource: Resource, entity: dict[str, Any], event: str, untried: dict[Any, Any]
) -> None:
    payload, field = untried.pop((resource, event))
    refused = _post(api, headers, resource, entity, event, payload=payload, reason="理由")
    assert refused.status_code == 422, (event, refused.text)
    problem = refused.json()
    assert problem["code"] == "validation_error" and refused.headers["content-type"] == "application/problem+json"
    assert [f["field"].split(".")[:2] for f in problem["fields"]] == [["payload", field]], problem
    assert f"字段 payload.{field}" in problem["detail"] and not problem["fields"][0]["message"].isascii()
    again = api.client.get(f"{V1}/{resource.value}/{entity['id']}", headers=headers).json()
    assert again["version"] == entity["version"]  # nothing written


def _fired(
    api: Api, headers: dict[str, str], resource: Resource, entity: dict[str, Any], event: str, **body: Any
) -> dict[str, Any]:
    done = _post(api, headers, resource, entity, event, **body)
    assert done.status_code == 200, (event, done.text)
    return {**entity, **done.json()}


def _offered_assignment(session: Session, world: Side) -> dict[str, Any]:
    cast = factories.cast(session, programme=world.programme)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    due = (DECLARATION_DAY + timedelta(days=14)).date()
    coordinator = cast.actor(Role.CITY_COORDINATOR)
    offered = assign_expert(
        session, project=cast.project, expert=world.expert, due_date=due, actor=coordinator, now=DECLARATION_DAY
    )
    return {"id": offered.id, "version": offered.version}


def _accepting_project(session: Session, world: Side) -> dict[str, Any]:
    cast = factories.cast(session, programme=world.programme)
    paths.drive_project(session, cast, paths.PROJECT_PATHS["final_evaluation"])
    return {"id": cast.project.id, "version": cast.project.version}


def test_a_wrong_shape_is_422_naming_the_field_for_every_event_with_fields(session: Session, api: Api) -> None:
    untried = dict(WRONG_SHAPES)  # each backend's run tries every one
    world = side(session)
    accepting = _accepting_project(session, world)
    api.clock.now = paths.IMPLEMENTATION_DAY
    org, community, district, coordinator, expert = (
        api.headers(world.users[role])
        for role in (Role.ORGANISATION, Role.COMMUNITY, Role.DISTRICT_BUREAU, Role.CITY_COORDINATOR, Role.EXPERT)
    )
    node = {"id": world.node.id, "version": world.node.version}
    assignment = _offered_assignment(session, world)

    _refused_shape(api, coordinator, Resource.PROJECTS, accepting, "accept", untried)
    _refused_shape(api, org, Resource.NODES, node, "submit", untried)
    _refused_shape(api, coordinator, Resource.NODES, node, "extend", untried)
    node = _fired(api, org, Resource.NODES, node, "submit", payload={"summary": "本期开展个案 12 个"})
    _refused_shape(api, community, Resource.NODES, node, "confirm", untried)
    node = _fired(api, community, Resource.NODES, node, "confirm", payload={"opinion": "情况属实"})
    node = _fired(api, district, Resource.NODES, node, "return", reason="缺少服务数据")
    _refused_shape(api, org, Resource.NODES, node, "resubmit", untried)

    api.clock.now = DECLARATION_DAY
    _refused_shape(api, coordinator, Resource.REVIEW_ASSIGNMENTS, assignment, "extend_due_date", untried)
    assignment = _fired(api, expert, Resource.REVIEW_ASSIGNMENTS, assignment, "accept")
    scores = next(a for a in assignment["allowed_actions"] if a["event"] == "submit_scores")
    assert (scores["possible"], scores["payload_schema"]) == (True, "ReviewScoresPayload")  # its guard needs the scores
    _refused_shape(api, expert, Resource.REVIEW_ASSIGNMENTS, assignment, "submit_scores", untried)

    assert untried == {}, "every event with payload fields is tried with a wrong shape"
    events_with_fields = {
        (resource, event.name)
        for resource, lifecycle in LIFECYCLE_OF.items()
        for event in lifecycle.events
        if event.payload.model_fields
    }
    assert len(events_with_fields) == 7


def test_allowed_actions_say_why_submit_is_not_possible_outside_the_window(session: Session) -> None:
    cast = factories.cast(session)
    organisation = cast.actor(Role.ORGANISATION)
    late = DECLARATION_DAY.replace(month=9, day=1)

    def shown(now: Any) -> dict[str, Any]:
        actions = state_view(PROJECT, cast.project, organisation, now=now)["allowed_actions"]
        return {a.event: (a.possible, a.reason) for a in actions}

    assert shown(DECLARATION_DAY) == {"submit": (True, None), "withdraw": (True, None)}
    possible, reason = shown(late)["submit"]
    assert possible is False and reason is not None and "不在申报期内" in reason and "2022-09-01" in reason
    assert shown(late)["withdraw"] == (True, None)
    assert shown(None)["submit"] == (None, None)  # a view without a clock does not ask the guards
