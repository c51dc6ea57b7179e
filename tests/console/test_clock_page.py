"""The simulation clock page and the dev mail catcher's viewer, as the coordinator meets them in Chromium."""

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from models.dates import shanghai_date
from models.dates_zh import deadline_zh
from models.outbox import OutboxMessage
from models.roles import Role
from models.service_clock import set_stored_clock, stored_clock
from schedules.sweep import sweep
from service.auth import create_access_token
from service.console.session import SESSION_COOKIE
from service.mail.catcher import CatcherProcess
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.api.builders import Api, side
from tests.service.mail.builders import caught, dispatch


@pytest.fixture
def clock_restored(world: World) -> Iterator[None]:
    """The clock set back where the other console tests expect it (the declaration window), whatever a test did."""
    with Session(world.engine) as session:
        row = stored_clock(session)
        assert row is not None
        set_to, set_at = row.set_to, row.set_at
    yield
    with Session(world.engine) as session:
        wall_now = datetime.now(UTC)
        set_stored_clock(session, to=set_to + (wall_now - set_at), wall_now=wall_now, set_by="tests")
        session.commit()


def service_today(world: World) -> datetime:
    with Session(world.engine) as session:
        row = stored_clock(session)
        assert row is not None
        return row.time_at(datetime.now(UTC))


def run_beside_the_browser(work: Callable[[], object]) -> None:
    """In a thread: Playwright's driver keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def run_the_sweep(world: World, as_of: date) -> None:
    with Session(world.engine) as session:
        sweep(session, as_of=as_of, now=service_today(world))
        session.commit()


def test_the_coordinator_advances_the_clock_a_week_and_sees_the_new_date_and_the_catch_ups(
    page: Page, world: World, clock_restored: None
) -> None:
    today = shanghai_date(service_today(world))
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="模拟时钟").click()
    expect(page.get_by_role("heading", name="模拟时钟", exact=True)).to_be_visible()
    expect(page.locator("#clock-today")).to_have_text(deadline_zh(today))
    screenshot(page, world, "clock-before")
    assert critical_violations(page) == []

    page.get_by_role("button", name="前进一周").click()

    week_later = today + timedelta(days=7)
    expect(page.locator("#clock-today")).to_have_text(deadline_zh(week_later))
    expect(page.get_by_role("status").filter(has_text="时钟已从")).to_contain_text("拨到")
    passed = page.get_by_role("table", name="交给定时任务调度器补跑的任务")
    expect(passed.get_by_role("row").filter(has_text="节点督办")).to_contain_text(deadline_zh(week_later))
    expect(page.get_by_role("note")).to_contain_text("SANSHE_SCHEDULER_ENABLED=false")
    expect(page.get_by_role("note")).to_contain_text(f"sanshe sweep --as-of {week_later.isoformat()}")
    expect(page.locator("#clock-progress")).to_have_attribute("hx-trigger", "every 2s")  # polled until done
    screenshot(page, world, "clock-advanced")
    assert shanghai_date(service_today(world)) == week_later  # the database's clock, not only the page's

    sweep_row = passed.get_by_role("row").filter(has_text="节点督办")
    expect(sweep_row).to_contain_text("未完成")
    run_beside_the_browser(lambda: run_the_sweep(world, week_later))  # what `sanshe sweep --as-of` does
    expect(sweep_row).to_contain_text("已完成", timeout=10_000)  # the polled panel, without reloading the page

    chosen = week_later + timedelta(days=3)
    page.get_by_label("拨到日期（时刻不变）").fill(chosen.isoformat())
    page.get_by_role("button", name="拨到所选日期").click()
    expect(page.locator("#clock-today")).to_have_text(deadline_zh(chosen))
    assert shanghai_date(service_today(world)) == chosen


def test_a_non_coordinator_is_refused_the_clock_and_the_mail_viewer_in_chinese(page: Page, world: World) -> None:
    """Guards clock_page._coordinator and mail_viewer._coordinator."""
    sign_in(page, world.user(Role.DISTRICT_BUREAU))
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="模拟时钟")).to_have_count(0)
    page.goto("/console/clock")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("只有市民政局（市级统筹）可以查看和拨动模拟时钟")
    screenshot(page, world, "clock-refused")
    page.goto("/console/mail")
    expect(page.get_by_role("alert")).to_have_text("只有市民政局（市级统筹）可以查看开发用邮件捕获服务收到的邮件")


@pytest.fixture(scope="module")
def delivered(world: World) -> Iterator[EmailMessage]:
    """A declaration submitted through the transitions, its notice dispatched to the project's real catcher process
    keeping mail where the server's viewer reads it (SANSHE_FILES_DIR/mail-catcher)."""
    with Session(world.engine, expire_on_commit=False) as session:
        cast = factories.cast(session, programme=world.city.programme, declaring=world.city.organisation)
        factories.fire(
            session,
            cast.project,
            "submit",
            cast.actor(Role.ORGANISATION),
            now=factories.DECLARATION_DAY,
            lifecycle="project",
        )
        session.commit()
        (notice,) = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.entity_type == "project",
                OutboxMessage.entity_id == cast.project.id,
                OutboxMessage.template == "declaration_submitted",
            )
        ).all()
    with CatcherProcess(world.files_dir / "mail-catcher") as catcher:

        def send() -> None:
            with Session(world.engine) as session:
                dispatch(session, catcher, now=factories.DECLARATION_DAY + timedelta(hours=1))

        run_beside_the_browser(send)
        (mail,) = caught(catcher, {notice.message_id})
    yield mail


def test_the_mail_viewer_lists_a_dispatched_notice_and_opens_it_in_chinese(
    page: Page, world: World, delivered: EmailMessage
) -> None:
    subject = str(delivered["Subject"])
    assert subject.startswith("【三社联动】申报待审：")
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="邮件捕获").click()
    expect(page.get_by_role("heading", name="邮件捕获")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text(delivered["To"].addresses[0].addr_spec)
    expect(row).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}"))
    screenshot(page, world, "mail-list")
    assert critical_violations(page) == []

    page.get_by_label("按主题或收件人筛选").fill("没有这样的主题")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合筛选条件的邮件。")).to_be_visible()
    page.get_by_label("按主题或收件人筛选").fill(subject[-8:])
    page.get_by_role("button", name="筛选").click()

    page.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible()
    text = page.locator("#mail-text")
    expect(text).to_contain_text("社工机构已提交试点项目申报“")  # the body decoded, not base64 or quoted-printable
    expect(text).to_contain_text("/console/projects/")
    screenshot(page, world, "mail-message")
    assert critical_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="下载原始邮件（.eml）").click()
    assert download.value.suggested_filename.endswith(".eml")


def test_a_mail_not_in_the_listing_is_not_found_in_chinese(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/mail/server.log")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("邮件“server.log”不存在")


def test_outside_simulation_and_dev_mode_the_pages_explain_why_in_chinese(session: Session, api: Api) -> None:
    """Guards clock.html's `not clock.simulated` and mail_list's `_dev` check: no clock to set, no catcher."""
    coordinator = side(session).users[Role.CITY_COORDINATOR]
    api.client.cookies.set(SESSION_COOKIE, create_access_token(coordinator, settings=api.settings, now=api.clock()))
    clock = api.client.get("/console/clock")
    assert clock.status_code == 200, clock.text
    assert "本系统按真实时间运行，不能拨动时钟。" in clock.text and "前进一周" not in clock.text
    mail = api.client.get("/console/mail")
    assert mail.status_code == 200, mail.text
    assert "本系统不在开发模式，没有邮件捕获服务" in mail.text and "按主题或收件人筛选" not in mail.text
