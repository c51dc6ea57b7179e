"""播放全年 in Chromium: the coordinator plays Lanzhou 2022's year on the demo data and watches it to the end, then
finds the escalations in the overdue list and the mails in the mail viewer.

Playing the year moves the programme clock to the year's end, which the shared console world must not see: this
module runs a console server of its own over the demo data, started as `world` starts its own.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from models.dates_zh import deadline_zh
from models.user import User
from service.demo import DEMO_DAY, DEMO_PASSWORD
from tests.console.conftest import World, screenshot, sign_in
from tests.console.servers import console_server, demo_on_its_clock
from tests.console.test_accessibility import critical_violations

YEAR_END = date(2023, 9, 30)  # Lanzhou 2022's acceptance ends the programme year
PLAY_SECONDS = 120_000  # the play itself takes well under a minute; the busy test machine gets room


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    world: World  # for `screenshot`'s file names only: the backend
    coordinator: User
    bureau: User


@pytest.fixture(scope="module")
def demo_server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A console server of the shared world's backend over a fresh database holding the demo data, its clock on the
    demo day, and the dev mail catcher where the server's mail viewer reads."""
    folder = tmp_path_factory.mktemp(f"play-year-{world.backend}")
    with demo_on_its_clock(world.backend, "sanshe_play_year", folder, "coordinator", "qilihe") as (
        engine,
        catcher,
        (coordinator, bureau),
    ):
        mail = {"SANSHE_SMTP_HOST": catcher.host, "SANSHE_SMTP_PORT": str(catcher.port)}
        with console_server(engine, folder, **mail) as base_url:  # no scheduler: the play must not need it
            yield DemoServer(base_url, world, coordinator, bureau)


@pytest.fixture
def demo_context(browser: Browser, demo_server: DemoServer) -> Iterator[BrowserContext]:
    profile = browser.new_context(
        base_url=demo_server.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    yield profile
    profile.close()


def test_the_coordinator_plays_the_year_and_finds_escalations_and_mails(
    demo_context: BrowserContext, demo_server: DemoServer
) -> None:
    page = demo_context.new_page()
    sign_in(page, demo_server.coordinator, password=DEMO_PASSWORD, at="/console/clock")
    expect(page.locator("#clock-today")).to_have_text(deadline_zh(DEMO_DAY.date()))
    page.get_by_role("button", name="播放全年").click()

    progress = page.locator("#play-year-progress")
    expect(progress).to_contain_text("共 368 天")  # 2022-09-27 .. 2023-09-30
    expect(page.locator("#play-year-day")).not_to_have_text("0", timeout=20_000)  # polled: the days go by
    assert critical_violations(page) == []
    screenshot(page, demo_server.world, "play-year-running")

    refused = demo_context.new_page()  # a second play while this one runs, the disabled button forced
    refused.goto("/console/clock")
    refused.locator("#play-year-title ~ form button").evaluate("button => button.removeAttribute('disabled')")
    refused.get_by_role("button", name="播放全年").click()
    expect(refused.get_by_role("alert")).to_have_text("正在播放全年，请等本次播放结束后再试")
    refused.close()

    expect(page.locator("#play-year-finished")).to_be_visible(timeout=PLAY_SECONDS)
    expect(page.locator("#play-year-day")).to_have_text("368")
    assert int(page.locator("#play-year-escalations").inner_text()) > 0
    assert int(page.locator("#play-year-reminders").inner_text()) > 0
    assert int(page.locator("#play-year-bulletins").inner_text()) > 0
    assert int(page.locator("#play-year-mails").inner_text()) > 0
    screenshot(page, demo_server.world, "play-year-finished")
    page.reload()
    expect(page.locator("#clock-today")).to_have_text(deadline_zh(YEAR_END))

    page.get_by_role("link", name="逾期节点").first.click()
    overdue = page.locator("#overdue-nodes")
    expect(overdue.get_by_role("row").filter(has_text="逾期10个工作日").first).to_be_visible()
    expect(overdue).to_contain_text("建西社区“邻里守望”三社联动服务项目")

    page.goto("/console/mail")
    page.get_by_label("按主题或收件人筛选").fill("节点逾期通知")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("row").filter(has_text="节点逾期通知").first).to_be_visible()
    screenshot(page, demo_server.world, "play-year-mail")


def test_a_district_bureau_may_not_play_the_year(demo_context: BrowserContext, demo_server: DemoServer) -> None:
    page: Page = demo_context.new_page()
    sign_in(page, demo_server.bureau, password=DEMO_PASSWORD, at="/console/clock")
    expect(page.get_by_role("alert")).to_have_text("只有市民政局（市级统筹）可以查看和拨动模拟时钟")
