"""Places and their notice addresses over HTTP: added, edited, imported from Excel, in scope, audited."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.region import Region
from models.roles import Role
from service.excel import kinds
from tests import factories
from tests.service.api.builders import PASSWORD, Api, Side, side, user
from tests.service.api.test_accounts import _refused
from tests.service.excel.builders import credit_code, workbook

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [column.header for column in kinds.PLACE_COLUMNS]
PATH, EMAIL, SETTLEMENT, AREA = HEADERS


def places_workbook(*rows: list[Any]) -> bytes:
    return workbook(HEADERS, *rows, title=kinds.SHEET_TITLES[kinds.PLACES])


def new_street_workbook(session: Session, target: Side) -> bytes:
    """One new street of the side's district, written from the city down (as the administrator must)."""
    city = session.get(Region, target.programme.region_id)
    assert city is not None
    path = "/".join((city.name, target.district.name, factories.unique("街道")))
    return places_workbook([path, f"{factories.unique('street')}@example.cn", "城市", None])


def _import(api: Api, headers: dict[str, str], data: bytes) -> Any:
    return api.client.post(f"{V1}/imports/places", headers=headers, files={"file": ("区划.xlsx", data, XLSX)})


def _audit(session: Session, region_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "region", AuditEvent.entity_id == region_id)
        .order_by(col(AuditEvent.id))
    )
    return [(row.event, row.actor_id, row.details) for row in rows]


def _child(api: Api, headers: dict[str, str], parent_id: int, name: str) -> dict[str, Any]:
    detail = api.client.get(f"{V1}/regions/{parent_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    found = [child for child in detail.json()["children"] if child["name"] == name]
    assert len(found) == 1, detail.json()
    return found[0]


def test_a_district_adds_and_edits_the_places_of_its_district_only(session: Session, api: Api) -> None:
    world, other = side(session), side(session)
    bureau = world.users[Role.DISTRICT_BUREAU]
    district = api.headers(bureau)
    name = factories.unique("街道")

    added = api.client.post(
        f"{V1}/regions",
        headers=district,
        json={"parent_id": world.district.id, "name": name, "contact_email": "jd@example.cn", "settlement": "rural"},
    )
    assert added.status_code == 201, added.text
    street = added.json()
    assert (street["level"], street["level_label"], street["settlement_label"]) == ("street", "街道（乡镇）", "农村")
    assert (street["contact_email"], street["version"], street["parent_id"]) == ("jd@example.cn", 1, world.district.id)
    village = api.client.post(f"{V1}/regions", headers=district, json={"parent_id": street["id"], "name": "前畈村"})
    assert village.status_code == 201 and village.json()["settlement"] == "rural"  # as its town
    _refused(
        api.client.post(f"{V1}/regions", headers=district, json={"parent_id": village.json()["id"], "name": "组"}),
        422,
        "invalid_input",
    )
    _refused(
        api.client.post(f"{V1}/regions", headers=district, json={"parent_id": world.district.id, "name": name}),
        409,
        "duplicate",
    )
    _refused(
        api.client.post(f"{V1}/regions", headers=district, json={"parent_id": other.district.id, "name": "外区街道"}),
        404,
        "not_found",
    )
    _refused(
        api.client.post(
            f"{V1}/regions", headers=district, json={"parent_id": world.programme.region_id, "name": "新区"}
        ),
        404,
        "not_found",
    )
    street_office = api.headers(world.users[Role.STREET_OFFICE])
    _refused(
        api.client.post(f"{V1}/regions", headers=street_office, json={"parent_id": world.street.id, "name": "社区"}),
        403,
        "role_not_allowed",
    )

    url = f"{V1}/regions/{street['id']}"
    _refused(api.client.patch(url, headers=district, json={"contact_email": "x@example.cn"}), 422, "version_required")
    _refused(
        api.client.patch(url, headers=district, json={"contact_email": "not-an-address", "expected_version": 1}),
        422,
        "validation_error",
    )
    edited = api.client.patch(
        url, headers=district, json={"contact_email": "office@example.cn", "settlement": "urban", "expected_version": 1}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["contact_email"], edited.json()["settlement"], edited.json()["version"]) == (
        "office@example.cn",
        "urban",
        2,
    )
    _refused(
        api.client.patch(url, headers=district, json={"name": "旧名", "expected_version": 1}), 409, "stale_version"
    )
    _refused(
        api.client.patch(
            f"{V1}/regions/{other.street.id}", headers=district, json={"name": "x", "expected_version": 1}
        ),
        404,
        "not_found",
    )

    session.expire_all()
    assert _audit(session, street["id"]) == [
        (
            "add",
            bureau.username,
            {
                "parent_id": world.district.id,
                "level": "street",
                "name": name,
                "contact_email": "jd@example.cn",
                "settlement": "rural",
                "service_area_m2": None,
            },
        ),
        (
            "edit",
            bureau.username,
            {"changes": {"contact_email": ["jd@example.cn", "office@example.cn"], "settlement": ["rural", "urban"]}},
        ),
    ]


def test_the_coordinator_edits_the_city_and_every_place_in_it(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    for region in (world.programme.region_id, world.district.id, world.community.id):
        version = api.client.get(f"{V1}/regions/{region}", headers=coordinator).json()["version"]
        answer = api.client.patch(
            f"{V1}/regions/{region}",
            headers=coordinator,
            json={"contact_email": f"office-{region}@example.cn", "expected_version": version},
        )
        assert answer.status_code == 200 and answer.json()["contact_email"] == f"office-{region}@example.cn"
    area = api.client.patch(
        f"{V1}/regions/{world.community.id}", headers=coordinator, json={"service_area_m2": 4200, "expected_version": 2}
    )
    assert area.status_code == 200 and area.json()["service_area_m2"] == 4200


def test_places_are_imported_all_or_nothing_and_existing_ones_updated(session: Session, api: Api) -> None:
    world = side(session)
    coordinator_user = world.users[Role.CITY_COORDINATOR]
    coordinator = api.headers(coordinator_user)
    district, street = world.district.name, factories.unique("镇")
    stored_email = world.district.contact_email
    bad = places_workbook(
        [district, "not-an-address", None, None],
        [f"{district}/{street}/{factories.unique('村')}", None, "农村", None],  # its town is nowhere
        [f"{district}/{world.street.name}/{world.community.name}/组", None, None, None],
        [f"{district}/{world.street.name}", None, "郊区", None],
        [district, None, None, None],
    )
    rejected = _refused(_import(api, coordinator, bad), 422, "import_rejected")
    cells = {(error["row"], error["column"]): error["message"] for error in rejected["errors"]}
    assert set(cells) == {(2, EMAIL), (3, PATH), (4, PATH), (5, SETTLEMENT), (6, PATH)}, cells
    assert "尚不存在" in cells[(3, PATH)] and "不能再设下级" in cells[(4, PATH)] and "重复" in cells[(6, PATH)]
    session.expire_all()
    assert session.get(Region, world.district.id).contact_email == stored_email  # type: ignore[union-attr]

    village = factories.unique("村")
    city = session.get(Region, world.programme.region_id)
    assert city is not None
    good = places_workbook(
        [f"{district}/{street}/{village}", "village@example.cn", None, 3000],  # listed before its town
        [f"{city.name}/{district}", "bureau@example.cn", None, None],  # the city's name may lead
        [f"{district}／{street}", "town@example.cn", "农村", None],
        [f"{district}/{world.street.name}", None, None, None],  # nothing to change
    )
    imported = _import(api, coordinator, good)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"kind": "places", "created": 2, "updated": 1}
    town = _child(api, coordinator, world.district.id, street)
    assert (town["level"], town["settlement"], town["contact_email"]) == ("street", "rural", "town@example.cn")
    made = _child(api, coordinator, town["id"], village)
    assert (made["level"], made["settlement"], made["service_area_m2"]) == ("community", "rural", 3000)
    session.expire_all()
    assert session.get(Region, world.district.id).contact_email == "bureau@example.cn"  # type: ignore[union-attr]
    assert [event for event, _, _ in _audit(session, world.district.id)] == ["edit"]
    assert _audit(session, made["id"])[0][:2] == ("add", coordinator_user.username)

    district_only = api.headers(world.users[Role.DISTRICT_BUREAU])
    outside = places_workbook([factories.unique("区"), "x@example.cn", None, None])  # a new district: the city's
    refused = _refused(_import(api, district_only, outside), 422, "import_rejected")
    assert "不在您的管辖范围内" in refused["errors"][0]["message"]
    _refused(_import(api, api.headers(world.users[Role.COMMUNITY]), good), 403, "role_not_allowed")


def test_anhui_becomes_usable_with_its_own_places(session: Session, api: Api) -> None:
    """Anhui 2017 lists 16 cities and nothing below: its places are imported, then a community declares."""
    api.clock.now = datetime(2017, 8, 15, 9, 0, tzinfo=factories.SHANGHAI)
    admin = api.headers(user(session, Role.ADMIN))  # the one account a new installation starts with
    with (factories.PROGRAMMES / "anhui-2017.yaml").open("rb") as stream:
        loaded = api.client.post(f"{V1}/programmes", headers=admin, files={"file": ("anhui-2017.yaml", stream)})
    assert loaded.status_code == 201, loaded.text
    programme = loaded.json()
    province = api.client.get(f"{V1}/regions/{programme['region_id']}", headers=admin).json()
    assert province["level"] == "province" and len(province["children"]) == 16

    coordinator = _signed_in_account(api, admin, role="city_coordinator", region_id=province["id"])

    hefei = factories.unique("蜀山区")
    rows = places_workbook(
        [f"合肥市/{hefei}/稻香村街道/竹溪社区", "zhuxi@example.cn", None, 2600],
        [f"合肥市/{hefei}/稻香村街道", "daoxiangcun@example.cn", "城市", None],
        [f"合肥市/{hefei}", "shushan@example.cn", None, None],
        [f"六安市/{factories.unique('金寨县')}", None, "农村", None],
    )
    imported = _import(api, coordinator, rows)
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 4
    city = next(child for child in province["children"] if child["name"] == "合肥市")
    district = _child(api, coordinator, city["id"], hefei)
    street = _child(api, coordinator, district["id"], "稻香村街道")
    community = _child(api, coordinator, street["id"], "竹溪社区")
    assert (community["level"], community["settlement"], community["contact_email"]) == (
        "community",
        "urban",
        "zhuxi@example.cn",
    )

    registered = api.client.post(
        f"{V1}/organisations",
        headers=coordinator,
        json={
            "name": factories.unique("合肥社工机构"),
            "credit_code": credit_code(),
            "registered_with_civil_affairs": True,
            "sound_governance": True,
            "financial_rules_and_bank_account": True,
        },
    )
    assert registered.status_code == 201, registered.text
    organisation = _signed_in_account(api, coordinator, role="organisation", organisation_id=registered.json()["id"])
    declared = api.client.post(
        f"{V1}/projects",
        headers=organisation,
        json={
            "programme_id": programme["id"],
            "community_id": community["id"],
            "organisation_id": registered.json()["id"],
            "title": "竹溪社区邻里互助项目",
            "total_fen": 20_000_000,
            "community_service_area_m2": 2600,
        },
    )
    assert declared.status_code == 201, declared.text
    project = declared.json()
    assert (project["community_id"], project["street_name"], project["district_name"]) == (
        community["id"],
        "稻香村街道",
        hefei,
    )
    assert project["state"] == "draft"


def _signed_in_account(api: Api, manager: dict[str, str], **scope: Any) -> dict[str, str]:
    """A new account created over HTTP by `manager`, signed in with the password it was given."""
    username = factories.unique("account")
    created = api.client.post(
        f"{V1}/users", headers=manager, json={"username": username, "password": PASSWORD, **scope}
    )
    assert created.status_code == 201, created.text
    answer = api.client.post(f"{V1}/login/access-token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
