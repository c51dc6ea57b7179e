"""Accounts over HTTP: the bureaus manage the accounts of their scope, one-time passwords, revoked tokens, imports."""

from typing import Any

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.region import Region
from models.roles import Role
from models.user import User
from service.excel import kinds
from tests import factories
from tests.service.api.builders import PASSWORD, Api, Side, side
from tests.service.excel.builders import workbook

V1 = "/api/v1"
PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_PASSWORD = "another-horse-staple"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _log_in(api: Api, username: str, password: str) -> Any:
    return api.client.post(f"{V1}/login/access-token", data={"username": username, "password": password})


def _token(api: Api, username: str, password: str) -> str:
    answer = _log_in(api, username, password)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _refused(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = answer.json()
    assert problem["code"] == code, problem
    assert not problem["detail"].isascii(), problem  # said in Chinese
    return problem


def _audit(session: Session, user_id: int) -> list[tuple[str, str, str | None, str]]:
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
        .order_by(col(AuditEvent.id))
    )
    return [(row.event, row.actor_id, row.reason, row.to_state) for row in rows]


def _community_account(api: Api, headers: dict[str, str], world: Side) -> dict[str, Any]:
    created = api.client.post(
        f"{V1}/users",
        headers=headers,
        json={"username": factories.unique("社区账号"), "role": "community", "region_id": world.community.id},
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def test_a_district_manages_the_accounts_of_its_area(session: Session, api: Api) -> None:
    """Create with a one-time password, which must be changed first; disable and re-enable; all audited."""
    world, other = side(session), side(session)
    district_user = world.users[Role.DISTRICT_BUREAU]
    district = api.headers(district_user)

    account = _community_account(api, district, world)
    assert account["must_change_password"] is True and "hashed_password" not in account
    one_time = account["one_time_password"]
    assert len(one_time) >= 8

    signed_in = _log_in(api, account["username"], one_time)
    assert signed_in.status_code == 200 and signed_in.json()["must_change_password"] is True
    first = _bearer(signed_in.json()["access_token"])
    problem = _refused(api.client.get(f"{V1}/users/me", headers=first), 403, "password_change_required")
    assert "修改密码" in problem["detail"]
    _refused(api.client.get(f"{V1}/projects", headers=first), 403, "password_change_required")

    changed = api.client.post(
        f"{V1}/users/me/password", headers=first, json={"old_password": one_time, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["must_change_password"] is False
    _refused(api.client.get(f"{V1}/users/me", headers=first), 401, "not_authenticated")
    me = api.client.get(f"{V1}/users/me", headers=_bearer(changed.json()["access_token"]))
    assert me.status_code == 200 and me.json()["username"] == account["username"]

    # Outside its area, or a role it does not manage: refused, nothing written.
    elsewhere = {"username": factories.unique("别处"), "role": "community", "region_id": other.community.id}
    _refused(api.client.post(f"{V1}/users", headers=district, json=elsewhere), 404, "not_found")
    coordinator = {"username": factories.unique("市"), "role": "city_coordinator", "region_id": world.district.id}
    refusal = _refused(api.client.post(f"{V1}/users", headers=district, json=coordinator), 403, "role_not_allowed")
    assert "区民政局无权对市民政局（统筹）账号执行“创建登录账号”" in refusal["detail"]
    expert = {"username": factories.unique("专家"), "role": "expert", "expert_id": world.expert.id}
    _refused(api.client.post(f"{V1}/users", headers=district, json=expert), 403, "role_not_allowed")
    foreign = other.users[Role.COMMUNITY].id
    _refused(api.client.post(f"{V1}/users/{foreign}/disable", headers=district, json={}), 404, "not_found")
    street = api.headers(world.users[Role.STREET_OFFICE])
    _refused(api.client.post(f"{V1}/users/{account['id']}/disable", headers=street, json={}), 403, "role_not_allowed")

    token = _token(api, account["username"], NEW_PASSWORD)
    disabled = api.client.post(f"{V1}/users/{account['id']}/disable", headers=district, json={"reason": "人员调离"})
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True, disabled.text
    _refused(api.client.get(f"{V1}/users/me", headers=_bearer(token)), 401, "not_authenticated")
    _refused(_log_in(api, account["username"], NEW_PASSWORD), 401, "not_authenticated")
    _refused(
        api.client.post(f"{V1}/users/{account['id']}/disable", headers=district, json={}),
        409,
        "event_not_allowed_in_state",
    )

    enabled = api.client.post(f"{V1}/users/{account['id']}/enable", headers=district, json={"reason": "返岗"})
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False, enabled.text
    _refused(api.client.get(f"{V1}/users/me", headers=_bearer(token)), 401, "not_authenticated")  # stays void
    again = _token(api, account["username"], NEW_PASSWORD)
    assert api.client.get(f"{V1}/users/me", headers=_bearer(again)).status_code == 200

    assert _audit(session, account["id"]) == [
        ("create", district_user.username, None, "active"),
        ("change_password", account["username"], None, "active"),
        ("disable", district_user.username, "人员调离", "disabled"),
        ("enable", district_user.username, "返岗", "active"),
    ]


def test_tokens_issued_before_a_password_change_or_reset_stop_working(session: Session, api: Api) -> None:
    world = side(session)
    organisation = world.users[Role.ORGANISATION]
    before = _token(api, organisation.username, PASSWORD)
    assert api.client.get(f"{V1}/users/me", headers=_bearer(before)).status_code == 200

    wrong = api.client.post(
        f"{V1}/users/me/password", headers=_bearer(before), json={"old_password": "wrong-pass", "new_password": "x" * 9}
    )
    assert "原密码不正确" in _refused(wrong, 422, "invalid_input")["detail"]
    short = {"old_password": PASSWORD, "new_password": "short"}
    _refused(api.client.post(f"{V1}/users/me/password", headers=_bearer(before), json=short), 422, "validation_error")
    assert api.client.get(f"{V1}/users/me", headers=_bearer(before)).status_code == 200  # refusals change nothing

    changed = api.client.post(
        f"{V1}/users/me/password",
        headers=_bearer(before),
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    problem = _refused(api.client.get(f"{V1}/users/me", headers=_bearer(before)), 401, "not_authenticated")
    assert "密码已修改" in problem["detail"]
    _refused(_log_in(api, organisation.username, PASSWORD), 401, "not_authenticated")
    after = _token(api, organisation.username, NEW_PASSWORD)

    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    reset = api.client.post(
        f"{V1}/users/{organisation.id}/reset-password", headers=coordinator, json={"reason": "遗忘"}
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["account"]["must_change_password"] is True
    _refused(api.client.get(f"{V1}/users/me", headers=_bearer(after)), 401, "not_authenticated")
    _refused(_log_in(api, organisation.username, NEW_PASSWORD), 401, "not_authenticated")
    signed_in = _log_in(api, organisation.username, reset.json()["one_time_password"])
    assert signed_in.status_code == 200 and signed_in.json()["must_change_password"] is True
    events = [event for event, *_ in _audit(session, organisation.id or 0)]
    assert events == ["change_password", "reset_password"]


def test_the_list_holds_the_accounts_in_scope_without_passwords(session: Session, api: Api) -> None:
    world, other = side(session), side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    listed = api.client.get(f"{V1}/users", headers=coordinator, params={"page_size": 200})
    assert listed.status_code == 200, listed.text
    names = {item["username"] for item in listed.json()["items"]}
    assert {u.username for u in world.users.values() if u.role is not Role.ADMIN} <= names
    assert not {u.username for u in other.users.values() if u.region_id is not None} & names
    assert all("hashed_password" not in item for item in listed.json()["items"])

    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    own = api.client.get(f"{V1}/users", headers=district, params={"page_size": 200}).json()
    own_names = {item["username"] for item in own["items"]}
    expected = {world.users[r].username for r in (Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.COMMUNITY)}
    assert expected <= own_names and world.users[Role.ORGANISATION].username in own_names
    assert world.users[Role.CITY_COORDINATOR].username not in own_names
    assert world.users[Role.EXPERT].username not in own_names

    communities = api.client.get(f"{V1}/users", headers=district, params={"role": "community", "page_size": 1}).json()
    assert communities["total"] >= 1 and len(communities["items"]) == 1 and communities["page_size"] == 1
    assert {item["role"] for item in communities["items"]} == {"community"}
    street_office = world.users[Role.STREET_OFFICE]
    named = api.client.get(f"{V1}/users", headers=district, params={"name": street_office.username[2:]}).json()
    assert [item["username"] for item in named["items"]] == [street_office.username]
    _refused(api.client.get(f"{V1}/users", headers=api.headers(world.users[Role.COMMUNITY])), 403, "role_not_allowed")


def _accounts_workbook(*rows: list[Any]) -> bytes:
    headers = [column.header for column in kinds.ACCOUNT_COLUMNS]
    return workbook(headers, *rows, title=kinds.SHEET_TITLES[kinds.ACCOUNTS])


def accounts_workbook(session: Session, target: Side) -> bytes:
    """One new community account of the side, its place written from the city down (as the administrator must)."""
    city = session.get(Region, target.programme.region_id)
    assert city is not None
    path = "/".join((city.name, target.district.name, target.street.name, target.community.name))
    return _accounts_workbook([factories.unique("导入账号"), None, "社区居委会", path, None, None])


def _import(api: Api, headers: dict[str, str], data: bytes) -> Any:
    return api.client.post(f"{V1}/users/import", headers=headers, files={"file": ("账号.xlsx", data, XLSX)})


def test_accounts_are_imported_all_or_nothing_with_one_time_passwords(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    district, street, community = world.district.name, world.street.name, world.community.name
    code, email = world.organisation.credit_code, world.expert.email
    names = [factories.unique(prefix) for prefix in ("区", "街道", "社区", "机构", "专家")]
    good = _accounts_workbook(
        [names[0], "区民政局", "区民政局", district, None, None],
        [names[1], None, "街道办事处", f"{district}/{street}", None, None],
        [names[2], "社区居委会", "社区居委会", f"{district}/{street}/{community}", None, None],
        [names[3], None, "社工机构", None, code, None],
        [names[4], None, "评审专家", None, None, email],
    )

    bad = _accounts_workbook(
        [names[0], None, "社区居委会", f"{district}/{street}/没有的社区", None, None],
        [names[0], None, "社工机构", None, "91110000000000000X", None],
        [factories.unique("x"), None, "管理员", district, None, None],
        [factories.unique("y"), None, "社区居委会", None, code, None],
    )
    rejected = _refused(_import(api, coordinator, bad), 422, "import_rejected")
    cells = {(error["row"], error["column"]) for error in rejected["errors"]}
    assert {(2, "所辖地区"), (3, "用户名"), (3, "所属机构"), (4, "角色"), (5, "所属机构"), (5, "所辖地区")} <= cells
    assert session.exec(select(User).where(col(User.username).in_(names))).all() == []

    district_only = api.headers(world.users[Role.DISTRICT_BUREAU])
    refused = _refused(_import(api, district_only, good), 422, "import_rejected")
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [(6, "角色")]  # experts are the city's

    imported = _import(api, coordinator, good)
    assert imported.status_code == 200, imported.text
    result = imported.json()
    assert result["created"] == 5 and [a["username"] for a in result["accounts"]] == names
    session.expire_all()
    stored = {u.username: u for u in session.exec(select(User).where(col(User.username).in_(names)))}
    assert stored[names[0]].region_id == world.district.id
    assert stored[names[1]].region_id == world.street.id
    assert stored[names[2]].region_id == world.community.id and stored[names[2]].display_name == "社区居委会"
    assert stored[names[3]].organisation_id == world.organisation.id and stored[names[3]].display_name == names[3]
    assert stored[names[4]].expert_id == world.expert.id
    for account in result["accounts"]:
        signed_in = _log_in(api, account["username"], account["one_time_password"])
        assert signed_in.status_code == 200 and signed_in.json()["must_change_password"] is True
        user = stored[account["username"]]
        assert _audit(session, user.id or 0) == [
            ("create", world.users[Role.CITY_COORDINATOR].username, None, "active")
        ]
