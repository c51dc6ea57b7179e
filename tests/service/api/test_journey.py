"""A programme from loading to an approved node report, through HTTP only.

Only what the API does not create is set up directly, as the CLI or the seed data would: the users
(`sanshe create-user`) and the streets and communities under the districts.
"""

from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from models.money import FEN_PER_YUAN
from models.region import Region, RegionLevel, Settlement
from models.region_tree import ensure_region
from models.roles import Role
from models.user import User
from service.excel import kinds
from tests import factories
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.api.builders import PASSWORD, Api, user
from tests.service.excel.builders import credit_code, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
V1 = "/api/v1"


def _login(api: Api, account: User) -> dict[str, str]:
    response = api.client.post(f"{V1}/login/access-token", data={"username": account.username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _upload(api: Api, url: str, headers: dict[str, str], name: str, data: bytes, media: str = XLSX) -> Any:
    return api.client.post(url, headers=headers, files={"file": (name, data, media)})


def _fire(
    api: Api, headers: dict[str, str], resource: str, entity: dict[str, Any], event: str, **body: Any
) -> dict[str, Any]:
    response = api.client.post(
        f"{V1}/{resource}/{entity['id']}/actions/{event}",
        headers=headers,
        json={"expected_version": entity["version"], **body},
    )
    assert response.status_code == 200, (event, response.text)
    return {**entity, **response.json()}


def test_lanzhou_journey(session: Session, api: Api) -> None:
    city = ensure_region(session, name="兰州市", level=RegionLevel.CITY, parent=None)
    coordinator_account = user(session, Role.CITY_COORDINATOR, region_id=city.id)
    coordinator = _login(api, coordinator_account)
    admin_account = user(session, Role.ADMIN)

    # The coordinator loads the programme file.
    loaded = _upload(
        api,
        f"{V1}/programmes",
        coordinator,
        "lanzhou-2022.yaml",
        (factories.PROGRAMMES / "lanzhou-2022.yaml").read_bytes(),
        "application/yaml",
    )
    assert loaded.status_code == 201, loaded.text
    programme = loaded.json()
    assert programme["code"] == "lanzhou-2022" and sum(q["quota"] for q in programme["district_quotas"]) == 10

    # Streets and communities of two districts; their bureaus' and offices' accounts.
    places: dict[str, dict[str, Any]] = {}
    for district_name in ("城关区", "七里河区"):
        district = next(r for r in _children(session, city) if r.name == district_name)
        street = ensure_region(
            session,
            name=factories.unique("街道"),
            level=RegionLevel.STREET,
            parent=district,
            settlement=Settlement.URBAN,
            contact_email=f"{factories.unique('s')}@example.cn",
        )
        community = ensure_region(
            session,
            name=factories.unique("社区"),
            level=RegionLevel.COMMUNITY,
            parent=street,
            settlement=Settlement.URBAN,
            contact_email=f"{factories.unique('c')}@example.cn",
        )
        places[district_name] = {
            "path": f"{district.name}/{street.name}/{community.name}",
            "accounts": {
                "bureau": user(session, Role.DISTRICT_BUREAU, region_id=district.id),
                "community": user(session, Role.COMMUNITY, region_id=community.id),
            },
            "credit_code": credit_code(),
        }

    for place in places.values():
        place.update({role: _login(api, account) for role, account in place["accounts"].items()})

    # The coordinator imports the two organisations; each imports its social workers and its declaration.
    org_headers = [c.header for c in kinds.ORGANISATION_COLUMNS]
    rows = [
        [
            factories.unique("社工服务中心"),
            p["credit_code"],
            "是",
            "2018-03-01",
            "是",
            "是",
            f"{factories.unique('o')}@example.cn",
        ]
        for p in places.values()
    ]
    imported = _upload(
        api,
        f"{V1}/imports/organisations",
        coordinator,
        "机构.xlsx",
        workbook(org_headers, *rows, title=kinds.SHEET_TITLES[kinds.ORGANISATIONS]),
    )
    assert imported.status_code == 200 and imported.json()["created"] == 2, imported.text
    listed = api.client.get(f"{V1}/organisations", headers=coordinator, params={"page_size": 200}).json()["items"]
    by_code = {o["credit_code"]: o["id"] for o in listed}
    spec_budget = factories.lanzhou(session).parsed_spec().budget
    assert spec_budget is not None
    for place in places.values():
        place["accounts"]["org"] = user(session, Role.ORGANISATION, organisation_id=by_code[place["credit_code"]])
        place.update({role: _login(api, account) for role, account in place["accounts"].items()})
        names = [factories.unique("社工") for _ in range(3)]
        workers = workbook(
            [c.header for c in kinds.SOCIAL_WORKER_COLUMNS],
            [names[0], place["credit_code"], "社会工作师", "是"],
            [names[1], place["credit_code"], "助理社会工作师", "否"],
            [names[2], place["credit_code"], "无", "是"],
            title=kinds.SHEET_TITLES[kinds.SOCIAL_WORKERS],
        )
        assert _upload(api, f"{V1}/imports/social-workers", place["org"], "社工.xlsx", workers).status_code == 200
        columns = kinds.columns_for(kinds.DECLARATIONS, factories.lanzhou(session).parsed_spec())
        values = {
            kinds.DECL_PROGRAMME.header: "lanzhou-2022",
            kinds.DECL_COMMUNITY.header: place["path"],
            kinds.DECL_ORGANISATION.header: place["credit_code"],
            kinds.DECL_TITLE.header: factories.unique("邻里守望"),
            kinds.DECL_AREA.header: 420,
            kinds.DECL_CONSENT.header: "files/consent.pdf",
            kinds.DECL_TEAM.header: "、".join(names),
            **{kinds.budget_column(line).header: line.amount_fen // FEN_PER_YUAN for line in spec_budget.lines},
        }
        declaration = workbook(
            [c.header for c in columns],
            [values.get(c.header) for c in columns],
            title=kinds.SHEET_TITLES[kinds.DECLARATIONS],
        )
        declared = _upload(api, f"{V1}/imports/declarations", place["org"], "申报.xlsx", declaration)
        assert declared.status_code == 200 and declared.json()["created"] == 1, declared.text
        place["project"] = api.client.get(f"{V1}/projects", headers=place["org"]).json()["items"][0]

    # A bad workbook writes nothing and names the cell.
    refused = _upload(
        api,
        f"{V1}/imports/organisations",
        coordinator,
        "机构.xlsx",
        workbook(org_headers, ["", "123", "也许", "", "是", "是", ""], title="社工机构"),
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert {e["column"] for e in refused.json()["errors"]} >= {"机构名称", "统一社会信用代码"}

    # Each district sees its own declaration only; the other district's answers 404.
    chengguan, qilihe = places["城关区"], places["七里河区"]
    own = api.client.get(f"{V1}/projects", headers=chengguan["bureau"], params={"programme_id": programme["id"]}).json()
    assert [p["id"] for p in own["items"]] == [chengguan["project"]["id"]] and own["total"] == 1
    assert api.client.get(f"{V1}/projects/{qilihe['project']['id']}", headers=chengguan["bureau"]).status_code == 404
    assert api.client.get(f"{V1}/projects/{chengguan['project']['id']}", headers=chengguan["bureau"]).status_code == 200

    # From declaration to implementation, each step by its role through the one action endpoint.
    project = chengguan["project"]
    project = _fire(api, chengguan["org"], "projects", project, "submit")
    project = _fire(api, chengguan["bureau"], "projects", project, "confirm_eligibility")
    for event in ("open_review", "select", "contract"):  # within the review and contracting phase
        project = _fire(api, coordinator, "projects", project, event)
    api.clock.now = IMPLEMENTATION_DAY  # the tokens of July have expired by October: sign in again
    assert api.client.get(f"{V1}/users/me", headers=coordinator).status_code == 401
    coordinator = _login(api, coordinator_account)
    for place in places.values():
        place.update({role: _login(api, account) for role, account in place["accounts"].items()})
    project = _fire(api, coordinator, "projects", project, "start")
    assert project["state"] == "in_progress"
    node = api.client.get(f"{V1}/projects/{project['id']}/nodes", headers=chengguan["org"]).json()[0]

    # The organisation uploads its report and submits; the community confirms with its opinion.
    stored = _upload(
        api,
        f"{V1}/nodes/{node['id']}/attachments",
        chengguan["org"],
        "督导报告.pdf",
        b"%PDF-1.4 report",
        "application/pdf",
    )
    assert stored.status_code == 201, stored.text
    node = _fire(
        api,
        chengguan["org"],
        "nodes",
        node,
        "submit",
        payload={"summary": "本期开展个案 12 个", "attachments": [stored.json()["path"]]},
    )
    node = _fire(api, chengguan["community"], "nodes", node, "confirm", payload={"opinion": "情况属实"})

    # The organisation cannot approve its own report; its district bureau can.
    own_approval = api.client.post(
        f"{V1}/nodes/{node['id']}/actions/approve",
        headers=chengguan["org"],
        json={"expected_version": node["version"]},
    )
    assert own_approval.status_code == 403 and own_approval.json()["code"] == "role_not_allowed"
    assert (
        api.client.post(
            f"{V1}/nodes/{node['id']}/actions/approve",
            headers=qilihe["bureau"],
            json={"expected_version": node["version"]},
        ).status_code
        == 404
    )
    node = _fire(api, chengguan["bureau"], "nodes", node, "approve")
    assert node["state"] == "approved"
    detail = api.client.get(f"{V1}/nodes/{node['id']}", headers=chengguan["org"]).json()
    assert detail["versions"][0]["attachments"] == [stored.json()["path"]]
    assert detail["versions"][0]["community_opinion"] == "情况属实"

    # The audit trail and the filtered list, as JSON and as workbooks.
    trail = api.client.get(f"{V1}/nodes/{node['id']}/audit", headers=chengguan["bureau"]).json()
    assert [e["event"] for e in trail] == ["submit", "confirm", "approve"]
    admin = _login(api, admin_account)
    book = api.client.get(f"{V1}/projects/{project['id']}/audit", headers=admin, params={"format": "xlsx"})
    assert book.status_code == 200 and book.headers["content-type"] == XLSX
    assert load_workbook(BytesIO(book.content)).worksheets[0].max_row == 1 + 7  # header, create and six actions
    listing = api.client.get(
        f"{V1}/projects",
        headers=coordinator,
        params={"programme_id": programme["id"], "format": "xlsx", "state": "in_progress"},
    )
    sheet = load_workbook(BytesIO(listing.content)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [project["id"]]


def _children(session: Session, parent: Region) -> list[Region]:
    from sqlmodel import select

    return list(session.exec(select(Region).where(Region.parent_id == parent.id)).all())
