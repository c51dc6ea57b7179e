"""The accounts page in Chromium against the real server: the coordinator lists and filters; a district bureau
creates a street office's account, whose holder signs in with the one-time password shown once, then disables it;
a street office has no accounts page, no link to it, and a forged disabling is refused."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from models.region import Region
from models.roles import Role
from models.user import User
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.console.test_reference_places import csrf_token
from tests.service.api.builders import side


@dataclass
class Accounts:
    street: Region
    users: dict[Role, User]


@pytest.fixture(scope="module")
def accounts(world: World) -> Accounts:
    """A city of its own, with an account of every role."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        session.commit()
        return Accounts(built.street, built.users)


def stored(world: World, username: str) -> User:
    with Session(world.engine) as session:
        found = session.exec(select(User).where(User.username == username)).one()
        session.expunge(found)
        return found


def test_the_coordinator_lists_and_filters_the_accounts(page: Page, world: World, accounts: Accounts) -> None:
    street_office = accounts.users[Role.STREET_OFFICE]
    sign_in(page, accounts.users[Role.CITY_COORDINATOR])
    page.goto("/console/reference")
    page.get_by_role("link", name="登录账号").click()
    expect(page.get_by_role("heading", name="登录账号", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="从 Excel 导入")).to_have_attribute("href", "/console/imports/accounts")

    page.get_by_label("用户名或姓名").fill(street_office.username)
    page.get_by_label("角色").first.select_option(label="街道办事处")
    page.get_by_role("button", name="筛选").click()
    table = page.locator("#accounts")
    expect(table.locator("tbody tr")).to_have_count(1)
    row = page.locator(f"#account-{street_office.id}")
    expect(row).to_contain_text(accounts.street.name)
    expect(row).to_contain_text("启用中")

    page.locator("#f-status").select_option(label="已停用")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"status=disabled"))
    expect(page.get_by_text("没有符合条件的登录账号")).to_be_visible()


def test_a_district_creates_an_account_whose_holder_signs_in_then_disables_it(
    page: Page, browser: Browser, world: World, accounts: Accounts
) -> None:
    """Through `create_account` and `disable_account`: the one-time password works once, then not after disabling."""
    sign_in(page, accounts.users[Role.DISTRICT_BUREAU])
    page.goto("/console/accounts")
    username = factories.unique("jiedao-")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("姓名", exact=True).fill("王街道")
    page.locator("#new-role").select_option(label="街道办事处")
    page.locator("#new-region").select_option(value=str(accounts.street.id))
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("heading", name=f"账号“{username}”的一次性密码")).to_be_visible()
    password = page.locator("#otp-value").inner_text()
    assert len(password) >= 8
    screenshot(page, world, "account-created")
    created = stored(world, username)
    assert (
        created.role is Role.STREET_OFFICE and created.region_id == accounts.street.id and created.must_change_password
    )

    holder = browser.new_context(base_url=world.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        theirs = holder.new_page()
        sign_in(theirs, created, password=password)
        expect(theirs.get_by_role("heading", name="修改密码")).to_be_visible()
        theirs.get_by_label("原密码").fill(password)
        theirs.get_by_label("新密码（至少 8 位）").fill("a-new-password-1")
        theirs.get_by_label("再次输入新密码").fill("a-new-password-1")
        theirs.get_by_role("button", name="保存新密码").click()
        expect(theirs.get_by_role("heading", name="我的待办")).to_be_visible()
    finally:
        holder.close()

    page.goto(f"/console/accounts?q={username}")
    page.get_by_role("button", name=f"停用{username}").click()
    expect(page.get_by_role("status").filter(has_text=f"已停用账号“{username}”")).to_be_visible()
    expect(page.locator(f"#account-{created.id}")).to_contain_text("已停用")
    expect(page.get_by_role("button", name=f"重新启用{username}")).to_be_visible()
    assert stored(world, username).disabled

    again = browser.new_context(base_url=world.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        theirs = again.new_page()
        sign_in(theirs, created, password="a-new-password-1")
        expect(theirs.get_by_role("alert")).to_be_visible()
        expect(theirs.get_by_role("heading", name="我的待办")).to_have_count(0)
    finally:
        again.close()

    page.get_by_role("button", name=f"重新启用{username}").click()
    expect(page.get_by_role("status").filter(has_text=f"已重新启用账号“{username}”")).to_be_visible()
    page.get_by_role("button", name=f"重置{username}的密码").click()
    expect(page.get_by_role("heading", name=f"账号“{username}”的一次性密码")).to_be_visible()
    reset = page.locator("#otp-value").inner_text()
    assert reset != password and stored(world, username).must_change_password
    third = browser.new_context(base_url=world.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        theirs = third.new_page()
        sign_in(theirs, created, password=reset)
        expect(theirs.get_by_role("heading", name="修改密码")).to_be_visible()
    finally:
        third.close()


def test_a_bad_new_account_is_refused_beside_the_field_with_the_input_kept(
    page: Page, world: World, accounts: Accounts
) -> None:
    taken = accounts.users[Role.COMMUNITY].username
    sign_in(page, accounts.users[Role.DISTRICT_BUREAU])
    page.goto("/console/accounts")
    page.get_by_label("用户名", exact=True).fill(taken)
    page.locator("#new-role").select_option(label="社区居委会")
    page.get_by_role("button", name="创建账号").click()
    expect(page.locator("#new-region-error")).to_have_text("请选择所辖地区")
    expect(page.locator("#new-username")).to_have_value(taken)
    expect(page.locator("#new-role")).to_have_value("community")

    page.locator("#new-region").select_option(value=str(accounts.street.id))
    page.get_by_role("button", name="创建账号").click()
    expect(page.locator("#new-username-error")).to_contain_text("已存在")
    expect(page.get_by_role("heading", name=re.compile("一次性密码"))).to_have_count(0)


def test_a_district_may_not_create_an_expert_account_nor_see_the_coordinator(
    page: Page, world: World, accounts: Accounts
) -> None:
    """The roles offered are those `ACCOUNT_ROLES_MANAGED` gives a district; the city's accounts are out of scope."""
    sign_in(page, accounts.users[Role.DISTRICT_BUREAU])
    page.goto("/console/accounts")
    offered = page.locator("#new-role option").all_inner_texts()
    assert "评审专家" not in offered and "市民政局（统筹）" not in offered and "街道办事处" in offered
    expect(page.locator(f"#account-{accounts.users[Role.CITY_COORDINATOR].id}")).to_have_count(0)
    own = page.locator(f"#account-{accounts.users[Role.DISTRICT_BUREAU].id}")
    expect(own.get_by_role("button", name=re.compile("^停用"))).to_have_count(0)  # not one's own


def test_a_street_office_has_no_accounts_page_and_a_forged_disabling_is_refused(
    page: Page, world: World, accounts: Accounts
) -> None:
    community = accounts.users[Role.COMMUNITY]
    sign_in(page, accounts.users[Role.STREET_OFFICE])
    page.goto("/console/reference")
    expect(page.get_by_role("link", name="区划与通知地址")).to_be_visible()
    expect(page.get_by_role("link", name="工作日历")).to_be_visible()
    expect(page.get_by_role("link", name="登录账号")).to_have_count(0)
    response = page.goto("/console/accounts")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("停用"))).to_have_count(0)

    forged = page.request.post(
        f"/console/accounts/{community.id}/disable", form={"reason": ""}, headers={"X-CSRF-Token": csrf_token(page)}
    )
    assert forged.status == 403
    assert not stored(world, community.username).disabled


@pytest.mark.parametrize("who", [Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU])
def test_the_accounts_page_has_no_critical_accessibility_violation(
    page: Page, world: World, accounts: Accounts, who: Role
) -> None:
    sign_in(page, accounts.users[who])
    page.goto("/console/accounts")
    assert critical_violations(page) == []
