"""The node report screens in Chromium against the real server: the organisation submits with an attachment, the
community confirms, the district returns with a reason, the organisation resubmits and the district approves, each
in a browser of its own; everyone in scope downloads the attachment, and a missing field is named in Chinese."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, LocatorAssertions, Page, expect
from sqlmodel import Session

from models.node import Node
from models.roles import Role
from models.user import User
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.api.builders import side

REPORT = b"%PDF-1.4\n% node report\n"  # what the attachment rule takes for a PDF


@dataclass
class Journey:
    project_id: int
    project_title: str
    node: Node
    users: dict[Role, User]


@pytest.fixture(scope="module")
def journey(world: World) -> Journey:
    """A project in implementation of its own, so that no other test's node report is touched."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        session.commit()
        assert built.project.id is not None
        return Journey(built.project.id, built.project.title, built.node, built.users)


@pytest.fixture
def open_as(browser: Browser, world: World) -> Iterator[Callable[[User], Page]]:
    """A browser profile per user, signed in, at a 1366×768 screen in Chinese."""
    opened: list[BrowserContext] = []

    def signed_in(user: User) -> Page:
        profile = browser.new_context(base_url=world.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
        opened.append(profile)
        page = profile.new_page()
        sign_in(page, user)
        expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
        return page

    yield signed_in
    for profile in opened:
        profile.close()


def _state(page: Page, label: str) -> None:
    """The state the page shows, and no refusal left over from an earlier attempt."""
    expect(page.locator("#node-state")).to_have_text(label)
    expect(page.locator("#flash")).to_be_empty()


def _refusal(page: Page) -> LocatorAssertions:
    return expect(page.locator("#flash").get_by_role("alert"))


def test_a_node_report_goes_from_submission_through_return_to_approval(
    open_as: Callable[[User], Page], world: World, journey: Journey
) -> None:
    """The main journey; a missing summary, opinion or reason is refused in Chinese naming the field
    (guards the `missing` check in `service.console.node_page.node_action`)."""
    where = f"/console/nodes/{journey.node.id}"

    organisation = open_as(journey.users[Role.ORGANISATION])
    organisation.goto(f"/console/projects/{journey.project_id}")
    organisation.get_by_role("link", name=journey.node.title).click()
    expect(organisation).to_have_url(re.compile(rf"{where}$"))
    expect(organisation.get_by_role("heading", name=journey.node.title)).to_be_visible()
    _state(organisation, "待提交")
    expect(organisation.get_by_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日（星期[一二三四五六日]）"))).to_be_visible()
    organisation.get_by_role("button", name="提交报告").click()
    _refusal(organisation).to_have_text("请填写：报告内容摘要")
    expect(organisation.locator("#node-state")).to_have_text("待提交")
    assert critical_violations(organisation) == []
    screenshot(organisation, world, "node-missing-summary")
    organisation.get_by_label("报告内容摘要（必填）").fill("本期开展个案 12 个、小组 3 个")
    organisation.get_by_label("附件").set_input_files(
        {"name": "第一期报告.pdf", "mimeType": "application/pdf", "buffer": REPORT}
    )
    organisation.get_by_role("button", name="提交报告").click()
    _state(organisation, "已提交")
    expect(organisation.get_by_role("status").filter(has_text="已办理：提交报告")).to_be_visible()
    first = organisation.locator("#version-1")
    expect(first).to_contain_text("本期开展个案 12 个、小组 3 个")
    expect(first.get_by_role("link", name="下载附件 1（PDF）")).to_be_visible()
    expect(organisation.get_by_role("button", name="提交报告")).to_have_count(0)
    screenshot(organisation, world, "node-submitted")

    community = open_as(journey.users[Role.COMMUNITY])
    community.goto(where)
    _state(community, "已提交")
    with community.expect_download() as got:
        community.locator("#version-1").get_by_role("link", name="下载附件 1（PDF）").click()
    assert open(got.value.path(), "rb").read() == REPORT
    assert got.value.suggested_filename.startswith(journey.node.title)
    community.get_by_role("button", name="社区确认并加注意见").click()
    _refusal(community).to_have_text("请填写：社区意见")
    community.get_by_label("社区意见（必填）").fill("情况属实，同意上报")
    community.get_by_role("button", name="社区确认并加注意见").click()
    _state(community, "社区已确认")
    expect(community.locator("#version-1 .opinion")).to_have_text("情况属实，同意上报")

    district = open_as(journey.users[Role.DISTRICT_BUREAU])
    district.goto(where)
    _state(district, "社区已确认")
    district.get_by_role("button", name="退回修改").click()
    _refusal(district).to_have_text("请填写：理由")
    district.get_by_label("退回修改的理由（必填）").fill("服务对象名单缺少签字")
    district.get_by_role("button", name="退回修改").click()
    _state(district, "退回修改")
    expect(district.get_by_role("row").filter(has_text="社区已确认 → 退回修改")).to_contain_text("服务对象名单缺少签字")
    assert critical_violations(district) == []
    screenshot(district, world, "node-returned")

    organisation.reload()
    _state(organisation, "退回修改")
    organisation.get_by_label("报告内容摘要（必填）").fill("补充了服务对象签字名单")
    organisation.get_by_role("button", name="重新提交").click()
    _state(organisation, "已重新提交")
    expect(organisation.locator("#version-2")).to_contain_text("补充了服务对象签字名单")

    community.reload()  # a resubmitted report goes past the community again before the district decides
    community.get_by_label("社区意见（必填）").fill("已补齐签字，同意上报")
    community.get_by_role("button", name="社区确认并加注意见").click()
    _state(community, "社区已确认")

    district.reload()
    district.get_by_role("button", name="审核通过").click()
    _state(district, "审核通过")
    expect(district.get_by_text("已完成")).to_be_visible()
    expect(district.get_by_text("您目前没有可对本节点报告办理的操作。")).to_be_visible()
    with district.expect_download() as got:
        district.locator("#version-1").get_by_role("link", name="下载附件 1（PDF）").click()
    assert open(got.value.path(), "rb").read() == REPORT
    screenshot(district, world, "node-approved")

    organisation.reload()  # the state is the database's, not only the swapped fragment's
    _state(organisation, "审核通过")
    expect(organisation.locator(".version")).to_have_count(2)


def test_another_district_gets_the_not_found_page_for_the_node_and_its_file(
    open_as: Callable[[User], Page], world: World, journey: Journey
) -> None:
    stranger = open_as(world.stranger)
    response = stranger.goto(f"/console/nodes/{journey.node.id}")
    assert response is not None and response.status == 404
    expect(stranger.get_by_role("heading", name="页面不存在")).to_be_visible()
    response = stranger.goto(f"/console/nodes/{journey.node.id}/attachments/{'0' * 32}.pdf")
    assert response is not None and response.status == 404


def test_the_organisation_submits_from_a_phone(browser: Browser, world: World) -> None:
    """390 px wide: the form and the versions fit the screen, nothing scrolls sideways; a file of a type the
    upload rule refuses is named in Chinese and nothing is submitted."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        session.commit()
    profile = browser.new_context(base_url=world.base_url, viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        phone = profile.new_page()
        sign_in(phone, built.users[Role.ORGANISATION])
        phone.goto(f"/console/nodes/{built.node.id}")
        phone.get_by_label("报告内容摘要（必填）").fill("手机上提交的报告")
        phone.get_by_label("附件").set_input_files({"name": "说明.txt", "mimeType": "text/plain", "buffer": b"text"})
        phone.get_by_role("button", name="提交报告").click()  # the upload use case's own rule, in Chinese
        _refusal(phone).to_contain_text("类型不受支持")
        expect(phone.locator("#node-state")).to_have_text("待提交")
        phone.get_by_label("附件").set_input_files(
            {"name": "现场照片.pdf", "mimeType": "application/pdf", "buffer": REPORT}
        )
        phone.get_by_role("button", name="提交报告").click()
        _state(phone, "已提交")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, world, "node-phone")
    finally:
        profile.close()
