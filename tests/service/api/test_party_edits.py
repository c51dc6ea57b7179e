"""Correcting organisations, social workers and experts over HTTP (PATCH), audited, in scope; and the lists'
filters, which the console's lists use too."""

from typing import Any

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.roles import Role
from models.social_worker import Qualification
from tests import factories
from tests.service.api.builders import Api, side
from tests.service.api.test_accounts import _refused

V1 = "/api/v1"


def _edits(session: Session, entity_type: str, entity_id: int) -> list[tuple[str, int, dict[str, Any]]]:
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.id))
    )
    return [(row.event, row.entity_version, row.details) for row in rows]


def test_a_bureau_corrects_an_organisation_and_each_change_is_audited(session: Session, api: Api) -> None:
    world = side(session)
    bureau = api.headers(world.users[Role.DISTRICT_BUREAU])
    organisation = world.organisation
    name = factories.unique("更正后的社工服务中心")
    answer = api.client.patch(
        f"{V1}/organisations/{organisation.id}",
        headers=bureau,
        json={"name": name, "contact_email": "new-address@example.cn", "sound_governance": False},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == name
    assert answer.json()["contact_email"] == "new-address@example.cn"
    assert answer.json()["credit_code"] == organisation.credit_code  # what imports match on stays
    again = api.client.patch(f"{V1}/organisations/{organisation.id}", headers=bureau, json={"contact_email": None})
    assert again.status_code == 200 and again.json()["contact_email"] is None
    unchanged = api.client.patch(f"{V1}/organisations/{organisation.id}", headers=bureau, json={"name": name})
    assert unchanged.status_code == 200
    edits = _edits(session, "organisation", organisation.id)
    assert [(event, version) for event, version, _ in edits] == [("edit", 2), ("edit", 3)]  # no change, no row
    assert edits[0][2]["changes"]["sound_governance"] == [True, False]
    assert edits[1][2]["changes"] == {"contact_email": ["new-address@example.cn", None]}


def test_a_bad_address_and_roles_that_may_not_correct_are_refused_in_chinese(session: Session, api: Api) -> None:
    world = side(session)
    path = f"{V1}/organisations/{world.organisation.id}"
    bad = api.client.patch(
        path, headers=api.headers(world.users[Role.CITY_COORDINATOR]), json={"contact_email": "not-an-address"}
    )
    problem = _refused(bad, 422, "validation_error")
    assert "电子邮箱格式不正确" in problem["detail"]
    own = api.client.patch(path, headers=api.headers(world.users[Role.ORGANISATION]), json={"name": "自己改名"})
    _refused(own, 403, "role_not_allowed")
    assert _edits(session, "organisation", world.organisation.id) == []


def test_an_organisation_corrects_its_own_social_workers_only(session: Session, api: Api) -> None:
    world, other = side(session), side(session)
    organisation = api.headers(world.users[Role.ORGANISATION])
    answer = api.client.patch(
        f"{V1}/social-workers/{world.worker.id}",
        headers=organisation,
        json={"qualification": "senior", "social_work_degree": True},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["qualification"] == "senior"
    foreign = api.client.patch(f"{V1}/social-workers/{other.worker.id}", headers=organisation, json={"name": "改名"})
    assert foreign.status_code == 404, foreign.text
    assert _edits(session, "social_worker", other.worker.id) == []
    assert _edits(session, "social_worker", world.worker.id)[0][2]["changes"]["qualification"][1] == "senior"


def test_an_expert_address_stays_one_experts_own(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    taken = factories.expert(session)
    clash = api.client.patch(f"{V1}/experts/{world.expert.id}", headers=coordinator, json={"email": taken.email})
    _refused(clash, 409, "duplicate")
    same = api.client.patch(
        f"{V1}/experts/{world.expert.id}",
        headers=coordinator,
        json={"email": (world.expert.email or "").upper(), "field_of_expertise": "社区治理"},
    )
    assert same.status_code == 200, same.text  # its own address, written in capitals, is no clash
    assert same.json()["field_of_expertise"] == "社区治理"


def test_the_lists_filter_by_name_blacklist_and_qualification(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    word = factories.unique("筛选")
    org = factories.organisation(session, name=f"{word}社工服务中心")
    factories.worker(session, org, Qualification.SENIOR).name = f"{word}甲"
    factories.worker(session, org, Qualification.NONE).name = f"{word}乙"
    expert = factories.expert(session)
    expert.employer_name = f"{word}大学"
    session.flush()

    found = api.client.get(f"{V1}/organisations", headers=coordinator, params={"name": word}).json()
    assert [item["id"] for item in found["items"]] == [org.id]
    blacklisted = api.client.get(
        f"{V1}/organisations", headers=coordinator, params={"name": word, "blacklisted": "true"}
    ).json()
    assert blacklisted["total"] == 0
    workers = api.client.get(
        f"{V1}/social-workers", headers=coordinator, params={"name": word, "qualification": "senior"}
    ).json()
    assert [item["name"] for item in workers["items"]] == [f"{word}甲"]
    experts = api.client.get(f"{V1}/experts", headers=coordinator, params={"name": word}).json()
    assert [item["id"] for item in experts["items"]] == [expert.id]
    literal = api.client.get(f"{V1}/organisations", headers=coordinator, params={"name": "%"}).json()
    assert all("%" in item["name"] or "%" in item["credit_code"] for item in literal["items"])
