"""The credit record pages in Chromium against the real server: the coordinator blacklists an organisation of its own
from the organisation's page, the list shows it in force, and lifting it needs a reason; a penalty without its
authority is named beside the field; an organisation reads only its own record."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from models.organisation import CreditEntry, Organisation, Penalty
from models.roles import Role
from tests import factories
from tests.console.conftest import DAY, World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations


@dataclass
class Holders:
    word: str
    organisation: Organisation


@pytest.fixture(scope="module")
def holders(world: World) -> Holders:
    word = factories.unique("信用")
    with Session(world.engine, expire_on_commit=False) as session:
        organisation = factories.organisation(session, name=f"{word}社工服务中心")
        session.commit()
        return Holders(word, organisation)


def test_a_blacklist_entry_is_entered_and_lifted_with_a_reason(page: Page, world: World, holders: Holders) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(f"/console/organisations/{holders.organisation.id}")
    page.get_by_role("link", name="本机构的信用记录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"信用记录：{holders.organisation.name}")
    expect(page.get_by_text("没有符合条件的信用记录。")).to_be_visible()

    page.locator("summary", has_text="列入黑名单").click()
    page.get_by_label("列入日期").fill(DAY.date().isoformat())
    page.get_by_label("作出决定的机关").fill("市民政局")
    page.get_by_label("列入事由").fill("")
    page.get_by_role("button", name="录入").last.click()
    expect(page.locator("#blacklist-reason-error")).to_have_text("请填写列入事由")
    expect(page.get_by_label("作出决定的机关")).to_have_value("市民政局")
    page.get_by_label("列入事由").fill("虚假申报")
    page.get_by_role("button", name="录入").last.click()
    expect(page.get_by_role("status").filter(has_text="已录入信用记录")).to_be_visible()
    row = page.locator("#credit-records tbody tr").first
    expect(row).to_contain_text("列入黑名单")
    expect(row).to_contain_text("生效中")
    expect(row).to_contain_text("虚假申报")

    page.goto(f"/console/organisations?q={holders.word}&blacklisted=yes")
    expect(page.locator("#organisations tbody tr")).to_have_count(1)
    expect(page.locator("#organisations")).to_contain_text("黑名单")

    page.goto(f"/console/credit?organisation={holders.organisation.id}")
    row = page.locator("#credit-records tbody tr").first
    row.locator("summary", has_text="解除黑名单").click()
    row.get_by_role("button", name="解除").click()
    expect(page.locator("#credit-records").get_by_text("请填写解除理由")).to_be_visible()
    row = page.locator("#credit-records tbody tr").first
    row.get_by_label("解除理由").fill("经复核已整改")
    row.get_by_role("button", name="解除").click()
    expect(page.get_by_role("status").filter(has_text="已解除该黑名单记录")).to_be_visible()
    expect(page.locator("#credit-records tbody tr").first).to_contain_text("已解除")
    expect(page.locator("#credit-records tbody tr").first).to_contain_text("经复核已整改")
    screenshot(page, world, "credit-records")
    with Session(world.engine) as session:
        entry = session.exec(select(CreditEntry).where(CreditEntry.organisation_id == holders.organisation.id)).one()
    assert entry.lifted_at is not None and entry.lift_reason == "经复核已整改"
    assert entry.lifted_by == world.user(Role.CITY_COORDINATOR).username


def test_a_penalty_without_its_authority_is_refused_beside_the_field(
    page: Page, world: World, holders: Holders
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(f"/console/credit?organisation={holders.organisation.id}")
    page.locator("summary", has_text="录入受登记管理机关处罚").click()
    page.get_by_label("处罚日期").fill("2021-05-10")
    page.get_by_label("处罚事由").fill("未按规定年检")
    page.get_by_role("button", name="录入").first.click()
    expect(page.locator("#penalty-authority-error")).to_have_text("请填写处罚机关")
    expect(page.get_by_label("处罚事由")).to_have_value("未按规定年检")
    page.get_by_label("处罚机关").fill("城关区民政局")
    page.get_by_label("处罚期满日期").fill("2021-05-01")  # before the day imposed
    page.get_by_role("button", name="录入").first.click()
    expect(page.locator("#penalty-ends_on-error")).to_contain_text("不能早于开始日期")
    page.get_by_label("处罚期满日期").fill("")
    page.get_by_role("button", name="录入").first.click()
    expect(page.get_by_role("status").filter(has_text="已录入信用记录")).to_be_visible()
    page.get_by_label("记录类型").select_option("penalty")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#credit-records tbody tr")).to_have_count(1)
    expect(page.locator("#credit-records")).to_contain_text("城关区民政局")
    with Session(world.engine) as session:
        penalties = session.exec(select(Penalty).where(Penalty.organisation_id == holders.organisation.id)).all()
    assert [p.authority for p in penalties] == ["城关区民政局"]


def test_an_organisation_reads_its_own_record_and_enters_nothing(page: Page, world: World, holders: Holders) -> None:
    sign_in(page, world.user(Role.ORGANISATION))
    page.goto(f"/console/credit?organisation={holders.organisation.id}")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()  # another organisation's: not found
    page.goto("/console/credit")
    expect(page.get_by_role("heading", level=1)).to_have_text("信用记录")
    expect(page.get_by_role("heading", name="录入信用记录")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(holders.word)


@pytest.mark.parametrize("where", ["/console/credit", "/console/credit?organisation={organisation}"])
def test_credit_pages_have_no_critical_accessibility_violation(
    page: Page, world: World, holders: Holders, where: str
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(where.format(organisation=holders.organisation.id))
    for summary in page.locator("details > summary").all()[:3]:
        summary.click()  # the entry forms open, so that their fields are checked too
    assert critical_violations(page) == []
