"""The console as its users meet it, in Chromium against a real server: sign in, the work list, a project page and
its action buttons, and the refusals (wrong password, a forged post, another district's project)."""

import re

from playwright.sync_api import BrowserContext, Page, expect

from models.roles import Role
from tests.console.conftest import World, screenshot, sign_in
from tests.service.api.builders import PASSWORD


def test_the_root_sends_a_stranger_to_sign_in_and_a_signed_in_user_to_the_work_list(page: Page, world: World) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    sign_in(page, world.user(Role.ORGANISATION))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login\?next=%2Fconsole%2F$"))


def test_an_organisation_signs_in_sees_its_work_opens_a_project_and_submits_a_declaration(
    page: Page, world: World
) -> None:
    sign_in(page, world.user(Role.ORGANISATION))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    first = world.city.node
    row = page.get_by_role("row").filter(has_text=first.title).first
    expect(row).to_contain_text("待提交")
    expect(row).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日（星期[一二三四五六日]）"))
    screenshot(page, world, "my-work-organisation")

    row.get_by_role("link", name=world.city.project.title).click()
    expect(page.get_by_role("heading", name=world.city.project.title)).to_be_visible()
    expect(page.locator("#project-state")).to_have_text("实施中")
    expect(page.get_by_role("heading", name="节点报告")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^¥[\d,]+\.\d{2}$")).first).to_be_visible()

    page.goto(f"/console/projects/{world.draft.id}")
    expect(page.locator("#project-state")).to_have_text("草稿")
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("#project-state")).to_have_text("已申报")
    expect(page).to_have_url(re.compile(rf"/console/projects/{world.draft.id}$"))  # htmx swapped the section
    expect(page.get_by_role("status").filter(has_text="已办理：提交申报")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="提交申报")).to_contain_text("草稿 → 已申报")
    expect(page.get_by_role("button", name="提交申报")).to_have_count(0)
    screenshot(page, world, "project-submitted")
    page.reload()  # the state is the database's, not only the swapped fragment's
    expect(page.locator("#project-state")).to_have_text("已申报")


def test_an_action_on_a_page_gone_stale_says_why_in_the_page(context: BrowserContext, world: World) -> None:
    """A second tab already submitted: the first one's button meets the use case's refusal, shown in Chinese."""
    first, second = context.new_page(), context.new_page()
    sign_in(first, world.user(Role.ORGANISATION))
    where = f"/console/projects/{world.contested_draft.id}"
    first.goto(where)
    second.goto(where)
    second.get_by_role("button", name="提交申报").click()
    expect(second.locator("#project-state")).to_have_text("已申报")
    first.get_by_role("button", name="提交申报").click()
    refusal = first.locator("#flash").get_by_role("alert")
    expect(refusal).to_contain_text("不能执行“提交申报”")
    refusal.get_by_role("link", name="刷新本页").click()
    expect(first.locator("#project-state")).to_have_text("已申报")
    screenshot(first, world, "project-stale")


def test_a_wrong_password_shows_the_error_in_chinese(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.COMMUNITY), password=PASSWORD + "-wrong")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误，或账号已停用")
    screenshot(page, world, "login-wrong-password")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(page: Page, world: World) -> None:
    """Guards the comparison in `check_csrf` (service/console/session.py): without it the post submits the draft."""
    sign_in(page, world.user(Role.ORGANISATION))
    target = f"/console/projects/{world.untouched_draft.id}/actions/submit"
    forged = page.request.post(target, form={"expected_version": str(world.untouched_draft.version)})
    assert forged.status == 403
    assert "安全校验未通过" in forged.text()
    wrong = page.request.post(target, form={"expected_version": "1", "csrf_token": "0" * 64})
    assert wrong.status == 403
    page.set_content(forged.text())
    screenshot(page, world, "csrf-refused")
    page.goto(f"/console/projects/{world.untouched_draft.id}")
    expect(page.locator("#project-state")).to_have_text("草稿")


def test_a_district_cannot_open_another_districts_project(page: Page, world: World) -> None:
    sign_in(page, world.stranger)
    answer = page.goto(f"/console/projects/{world.city.project.id}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("alert")).to_have_text("项目不存在或不在您的管辖范围内")
    expect(page.get_by_text(world.city.project.title)).to_have_count(0)
    screenshot(page, world, "another-district-404")


def test_an_action_not_possible_yet_is_shown_disabled_with_its_reason(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(f"/console/projects/{world.city.project.id}")
    blocked = page.get_by_role("button", name="进入末期评估")
    expect(blocked).to_be_disabled()
    expect(blocked).to_have_accessible_description(re.compile(r"^暂不能办理：尚有 \d+ 个节点报告未通过审核或免于提交"))
    expect(page.get_by_role("button", name="暂停实施")).to_be_enabled()
    expect(page.get_by_label("暂停实施的理由（必填）")).to_be_visible()
    extended = page.get_by_role("row").filter(has_text=world.city.node.title)
    expect(extended).to_contain_text("已延期")
    expect(page.get_by_role("row").filter(has_text="已延期")).to_have_count(1)
    screenshot(page, world, "project-coordinator")


def test_signing_in_works_from_the_keyboard_alone(page: Page, world: World) -> None:
    page.goto("/console/login")
    expect(page.get_by_label("用户名", exact=True)).to_be_focused()
    page.keyboard.type(world.user(Role.COMMUNITY).username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()


def test_the_work_list_fits_a_phone_screen(page: Page, world: World) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.user(Role.ORGANISATION))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, world, "my-work-phone")
