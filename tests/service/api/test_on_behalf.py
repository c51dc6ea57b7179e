"""Paper entry over HTTP: a bureau enters what an organisation or a community sent on paper, on its behalf, where
the programme allows it; the audit trail names the bureau's user and the party."""

from sqlmodel import Session

from models.roles import Role
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api, city_programme, side

V1 = "/api/v1"


def test_a_district_enters_a_paper_report_and_its_confirmation_on_the_parties_behalf(
    session: Session, api: Api
) -> None:
    world = side(session, city_programme(session, paper_entry=True))
    api.clock.now = paths.IMPLEMENTATION_DAY
    district, node_id = world.users[Role.DISTRICT_BUREAU], world.node.id

    as_itself = api.act(district, "nodes", node_id, "submit", payload={"summary": "纸质报告：开展个案 8 个"})
    assert as_itself.status_code == 403  # without on_behalf a district does not submit reports
    submitted = api.act(
        district, "nodes", node_id, "submit", on_behalf=True, payload={"summary": "纸质报告：开展个案 8 个"}
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted"
    confirmed = api.act(
        district, "nodes", node_id, "confirm", on_behalf=True, payload={"opinion": "情况属实（纸质意见）"}
    )
    assert confirmed.status_code == 200, confirmed.text
    approved = api.act(district, "nodes", node_id, "approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"

    trail = api.client.get(f"{V1}/nodes/{node_id}/audit", headers=api.headers(world.users[Role.ORGANISATION])).json()
    assert [(row["event"], row["actor_id"], row["actor_role"], row["on_behalf_of"]) for row in trail[-3:]] == [
        ("submit", district.username, "district_bureau", f"社工机构：{world.organisation.name}"),
        ("confirm", district.username, "district_bureau", f"社区：{world.community.name}"),
        ("approve", district.username, "district_bureau", None),
    ]


def test_paper_entry_is_refused_where_the_programme_does_not_allow_it_or_by_a_party(session: Session, api: Api) -> None:
    world = side(session)  # Lanzhou 2022's rules: no paper entry
    api.clock.now = paths.IMPLEMENTATION_DAY
    refused = api.act(
        world.users[Role.DISTRICT_BUREAU], "nodes", world.node.id, "submit", on_behalf=True, payload={"summary": "纸质"}
    )
    assert refused.status_code == 422
    assert refused.json()["violations"][0]["code"] == "on_behalf.not_permitted"
    assert "不允许代录纸质材料" in refused.json()["detail"]
    by_a_party = api.act(
        world.users[Role.STREET_OFFICE], "nodes", world.node.id, "submit", on_behalf=True, payload={"summary": "纸质"}
    )
    assert by_a_party.status_code == 403 and "不能代为执行" in by_a_party.json()["detail"]
    unchanged = api.client.get(f"{V1}/nodes/{world.node.id}", headers=api.headers(world.users[Role.ORGANISATION]))
    assert unchanged.json()["state"] == "pending"
