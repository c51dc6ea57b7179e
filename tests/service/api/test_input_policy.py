"""Every text input is bounded and free of control characters, every date input within 2000–2100: a bad value is
a 422 naming its field in Chinese, never a 500, and nothing of it is stored (`models.input_policy`)."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.assignments import assign_expert
from models.audit import AuditEvent
from models.input_policy import LATEST_DAY
from models.organisation import Organisation
from models.outbox import OutboxMessage
from models.roles import Role
from schedules.review_sweep import sweep_reviews
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.schedules.builders import escalations, morning
from tests.service.api.builders import PASSWORD, Api, Side, side, user
from tests.service.excel.builders import credit_code

V1 = "/api/v1"
CONTROL = "\x07"  # BEL: openpyxl's IllegalCharacterError, and no name holds one


def _refused(response: Any, field: str, words: str) -> None:
    """A 422 problem whose `fields` name `field` with a Chinese message holding `words`."""
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error", problem
    messages = {f["field"]: f["message"] for f in problem["fields"]}
    assert field in messages and words in messages[field], problem


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
    notices = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    return audits, notices


@pytest.mark.parametrize(
    ("reason", "words"),
    [("理" * 2001, "过长"), ("因故\x00退回", "控制字符"), ("因故\x1b退回", "控制字符")],
    ids=["2001-characters", "nul", "escape"],
)
def test_an_action_reason_is_bounded_and_free_of_control_characters(
    session: Session, api: Api, reason: str, words: str
) -> None:
    """Guards `ActionRequest.reason` (service/commands/actions.py): it was a bare `str`, stored as sent on SQLite
    and copied into every notice of the action; NUL was a 500 on PostgreSQL."""
    world = side(session)
    district = world.users[Role.DISTRICT_BUREAU]
    before = _counts(session)

    refused = api.act(district, "projects", world.project.id, "suspend", reason=reason)

    _refused(refused, "reason", words)
    assert _counts(session) == before
    lines = api.act(district, "projects", world.project.id, "suspend", reason="第一行\n第二行\t附注")
    assert lines.status_code == 200, lines.text  # tabs and line breaks may stay in a reason


def test_nul_in_a_username_or_the_login_form_is_422_never_500(session: Session, api: Api) -> None:
    """Guards `LoginForm` (service/api/params.py): the OAuth2 form took any text, and a NUL reached the user
    lookup (a 500 on PostgreSQL)."""
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=side(session).programme.region_id))
    account = user(session, Role.ADMIN)
    login = f"{V1}/login/access-token"

    created = api.client.post(
        f"{V1}/users", headers=coordinator, json={"username": "坏\x00名字", "role": "city_coordinator"}
    )
    _refused(created, "username", "控制字符")
    for form in (
        {"username": f"{account.username}\x00", "password": PASSWORD},
        {"username": account.username, "password": f"{PASSWORD}\x00"},
        {"username": account.username, "password": "x" * 201},
    ):
        answered = api.client.post(login, data=form)
        assert answered.status_code in (401, 422), answered.text
    _refused(api.client.post(login, data={"username": "a\x00", "password": "b"}), "username", "控制字符")
    assert api.client.post(login, data={"username": account.username, "password": PASSWORD}).status_code == 200


def test_a_control_character_in_a_name_is_refused_and_exports_keep_working(session: Session, api: Api) -> None:
    """Guards `text()` in models/input_policy.py as `OrganisationCreate.name` uses it: a stored BEL made every
    later .xlsx export of the register fail (openpyxl IllegalCharacterError)."""
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=side(session).programme.region_id))
    body = {"name": f"坏{CONTROL}机构", "credit_code": credit_code(), "registered_with_civil_affairs": True}

    refused = api.client.post(f"{V1}/organisations", headers=coordinator, json=body)

    _refused(refused, "name", "控制字符")
    escaped = json.dumps({**body, "name": "坏\ud800机构"})  # a lone surrogate, as JSON can spell one
    surrogate = api.client.post(
        f"{V1}/organisations", headers={**coordinator, "Content-Type": "application/json"}, content=escaped
    )
    assert surrogate.status_code == 422 and surrogate.json()["fields"][0]["field"] == "name", surrogate.text
    assert "无法编码的字符（U+D800）" in surrogate.json()["detail"], surrogate.text
    # Where no text policy reads the value first, pydantic's own refusal is told in Chinese too
    # (`"string_unicode"` in `_VALIDATION_ZH`, service/api/problems.py).
    escaped = json.dumps({**body, "name": "好机构", "registered_on": "2018-03-01\ud800"})
    surrogate = api.client.post(
        f"{V1}/organisations", headers={**coordinator, "Content-Type": "application/json"}, content=escaped
    )
    assert surrogate.status_code == 422, surrogate.text
    assert surrogate.json()["detail"] == "字段 registered_on：含有无法编码的字符（单独的 UTF-16 代理项）"
    assert session.exec(select(Organisation).where(Organisation.credit_code == body["credit_code"])).first() is None
    exported = api.client.get(f"{V1}/organisations", headers=coordinator, params={"format": "xlsx"})
    assert exported.status_code == 200, exported.text
    assert exported.content.startswith(b"PK")


def _under_review(session: Session, world: Side) -> tuple[int, int]:
    """A fresh declaration under review in the side's programme and an expert free to review it."""
    cast = factories.cast(session, programme=world.programme, district_name=world.district.name)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    expert = factories.expert(session)
    session.flush()
    assert cast.project.id is not None and expert.id is not None
    return cast.project.id, expert.id


@pytest.mark.parametrize("due", ["9999-12-31", "1999-12-31"])
def test_a_review_due_date_outside_2000_to_2100_is_refused(session: Session, api: Api, due: str) -> None:
    """Guards `AssignmentCreate.due_date: Day` (service/commands/reviews.py): 9999-12-31 was accepted, and then
    every review-reminders run failed with "year 10000 is out of range"."""
    world = side(session)
    project_id, expert_id = _under_review(session, world)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])

    refused = api.client.post(
        f"{V1}/review-assignments",
        headers=coordinator,
        json={"project_id": project_id, "expert_id": expert_id, "due_date": due},
    )

    _refused(refused, "due_date", "2000-01-01 至 2100-12-31")


def test_review_reminders_run_with_due_dates_at_and_past_the_bound(session: Session, api: Api) -> None:
    """Guards `Ladder.to_fire` (schedules/ladder.py): a rung past the last date Python holds fires never, so one
    assignment stored before dates were bounded no longer stops every review-reminders run."""
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    project_id, expert_id = _under_review(session, world)
    at_bound = api.client.post(
        f"{V1}/review-assignments",
        headers=coordinator,
        json={"project_id": project_id, "expert_id": expert_id, "due_date": LATEST_DAY.isoformat()},
    )
    assert at_bound.status_code == 201, at_bound.text
    cast = factories.cast(session, programme=world.programme, district_name=world.district.name)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    legacy = assign_expert(  # as a row written before the bound: straight through the domain
        session,
        project=cast.project,
        expert=factories.expert(session),
        due_date=date(9999, 12, 31),
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=factories.DECLARATION_DAY,
    )
    due_soon = (factories.DECLARATION_DAY + timedelta(days=14)).date()
    reminded = assign_expert(
        session,
        project=cast.project,
        expert=factories.expert(session),
        due_date=due_soon,
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=factories.DECLARATION_DAY,
    )
    assert legacy.id is not None and reminded.id is not None

    for as_of in (due_soon - timedelta(days=3), due_soon + timedelta(days=30), date(2100, 12, 31)):
        sweep_reviews(session, as_of=as_of, now=morning(as_of))

    told = {entity_id for entity_id, _, _ in escalations(session, {legacy.id, reminded.id}, "review_assignment")}
    assert told == {reminded.id}  # the others' rungs lie beyond the days swept: told nothing, stopped nothing


def test_dates_in_queries_and_bodies_are_bounded(session: Session, api: Api) -> None:
    """Guards `Day` on the calendar query and the credit record periods: a year outside 2000–2100 is a 422."""
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])

    days = api.client.get(f"{V1}/calendar/days", headers=coordinator, params={"from": "9999-12-01", "to": "9999-12-31"})
    penalty = api.client.post(
        f"{V1}/credit-records",
        headers=coordinator,
        json={
            "kind": "penalty",
            "organisation_id": world.organisation.id,
            "imposed_on": "9999-12-31",
            "authority": "兰州市民政局",
            "reason": "测试",
        },
    )

    _refused(days, "query.from", "2000-01-01 至 2100-12-31")
    assert penalty.status_code == 422 and "2000-01-01 至 2100-12-31" in penalty.text, penalty.text


def test_a_payload_text_follows_the_same_policy(session: Session, api: Api) -> None:
    """Guards the payload types of models/payloads.py (`Summary`, `PathText`): one policy for body and payload."""
    world = side(session)
    organisation = world.users[Role.ORGANISATION]

    bell = api.act(organisation, "nodes", world.node.id, "submit", payload={"summary": f"本期{CONTROL}报告"})
    path = api.act(organisation, "nodes", world.node.id, "submit", payload={"summary": "报告", "attachments": ["a\nb"]})

    _refused(bell, "payload.summary", "控制字符")
    _refused(path, "payload.attachments.0", "控制字符")
