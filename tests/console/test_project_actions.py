"""The project page's action forms in Chromium against a real server: an action's payload fields from its declared
model, and the override of a phase window by the role allowed it, with the reason it needs, recorded in the trail."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from models.project import Project
from models.roles import Role
from models.user import User
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.models import lifecycle_paths as paths
from tests.service.api import builders


@dataclass(frozen=True)
class Acceptance:
    """Projects in final evaluation long before the acceptance phase (the server's clock is at declaration time)."""

    overridden: Project  # accepted by the coordinator, overriding the phase
    untouched: Project  # a post without the override must leave it in final evaluation
    coordinator: User
    bureau: User


@pytest.fixture(scope="module")
def acceptance(world: World) -> Acceptance:
    with Session(world.engine, expire_on_commit=False) as session:
        side = builders.side(session)
        casts = [factories.cast(session, programme=side.programme, district_name=side.district.name) for _ in range(2)]
        for cast in casts:  # its nodes waived at `start`, so that final evaluation may begin
            paths.drive_project(session, cast, [*paths.TO_IN_PROGRESS, "begin_final_evaluation"])
        session.commit()  # closed before the server is asked: SQLite's lock is not held by this test
        users = side.users
        overridden, untouched = (cast.project for cast in casts)
        return Acceptance(overridden, untouched, users[Role.CITY_COORDINATOR], users[Role.DISTRICT_BUREAU])


def _accept_form(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("form").filter(has=page.get_by_role("button", name="验收通过"))


def test_an_action_outside_its_phase_is_overridden_with_a_reason_and_its_payload(
    page: Page, world: World, acceptance: Acceptance
) -> None:
    """Guards the override checkbox of _action_form.html and `override_phase` in `answer_posted_action`."""
    sign_in(page, acceptance.coordinator, at=f"/console/projects/{acceptance.overridden.id}")
    expect(page.locator("#project-state")).to_have_text("末期评估")
    form = _accept_form(page)
    accept = form.get_by_role("button", name="验收通过")
    expect(accept).to_be_enabled()
    expect(accept).to_have_accessible_description(re.compile(r"^暂不能办理：不在考核验收期内"))
    documents = form.get_by_label("政策文件名称")
    expect(documents).to_be_visible()
    expect(form.get_by_text("不少于本批次要求的篇数（每行一项）")).to_be_visible()
    override = form.get_by_label("越过阶段时间限制办理")
    expect(override).not_to_be_checked()
    screenshot(page, world, "project-override-offered")

    accept.click()  # without the override: the use case refuses the phase, in the page's alert region
    expect(page.locator("#flash").get_by_role("alert")).to_contain_text("不在考核验收期内")
    expect(page.locator("#project-state")).to_have_text("末期评估")

    override.check()
    accept.click()  # the override without a reason: refused by `authorize_override`
    expect(page.locator("#flash").get_by_role("alert")).to_have_text(
        re.compile("越过阶段时间限制执行“验收通过”必须填写理由")
    )
    expect(page.locator("#project-state")).to_have_text("末期评估")

    documents.fill("关于推进三社联动的实施意见\n社区社会工作服务站建设规范")
    form.get_by_label("越过阶段办理的理由").fill("市里统一提前组织验收")
    accept.click()
    expect(page.locator("#project-state")).to_have_text("验收通过")
    expect(page.get_by_role("status").filter(has_text="已办理：验收通过")).to_be_visible()
    expect(page.locator("#flash")).to_be_empty()  # the earlier refusal is cleared with the swap
    row = page.get_by_role("row").filter(has_text="末期评估 → 验收通过")
    expect(row).to_contain_text("市里统一提前组织验收")
    expect(row).to_contain_text("越过阶段时间限制")
    screenshot(page, world, "project-overridden")
    assert critical_violations(page) == []


def test_a_post_without_the_override_leaves_the_project_where_it_was(
    page: Page, world: World, acceptance: Acceptance
) -> None:
    """Without the checkbox the same form and reason do not set the phase aside (no page fires it implicitly)."""
    sign_in(page, acceptance.coordinator, at=f"/console/projects/{acceptance.untouched.id}")
    form = _accept_form(page)
    form.get_by_label("越过阶段办理的理由").fill("理由写了但未勾选越过")
    form.get_by_role("button", name="验收通过").click()
    expect(page.locator("#flash").get_by_role("alert")).to_contain_text("不在考核验收期内")
    page.reload()
    expect(page.locator("#project-state")).to_have_text("末期评估")


def test_a_role_that_may_not_override_is_offered_no_override(page: Page, world: World, acceptance: Acceptance) -> None:
    """The district bureau may begin final evaluation, never accept nor override: no accept form, no override box."""
    sign_in(page, acceptance.bureau, at=f"/console/projects/{acceptance.untouched.id}")
    expect(page.locator("#project-state")).to_have_text("末期评估")
    expect(page.get_by_role("button", name="验收通过")).to_have_count(0)
    expect(page.get_by_label("越过阶段时间限制办理")).to_have_count(0)
    expect(page.locator("#project-state")).to_have_text("末期评估")  # the page itself is open to the bureau


def test_the_project_page_shows_its_phases_and_documents(page: Page, world: World, acceptance: Acceptance) -> None:
    sign_in(page, acceptance.coordinator, at=f"/console/projects/{acceptance.untouched.id}")
    phases = page.get_by_role("region", name="试点阶段")
    acceptance_phase = phases.get_by_role("row").filter(has_text="考核验收期")
    expect(acceptance_phase).to_contain_text("2023年9月5日至2023年9月30日")
    expect(acceptance_phase).to_contain_text("未开始")  # the server's clock is at declaration time
    expect(phases.get_by_role("row").filter(has_text="申报期")).to_contain_text("进行中")
    documents = page.get_by_role("region", name="项目文件")
    expect(documents).to_contain_text("经街道主要领导签字同意的社区书面申请")
    expect(documents).to_contain_text("consent.pdf")
