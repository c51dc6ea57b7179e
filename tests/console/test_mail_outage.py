"""A mail server outage as the coordinator meets it in the console: told on every page until a mail goes out again."""

from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session

from models.dates import SHANGHAI
from models.roles import Role
from service.mail.outage import clear_outage, record_outage
from tests.console.conftest import World, screenshot, sign_in

SINCE = datetime(2022, 7, 1, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def outage(world: World) -> Iterator[None]:
    """What the dispatcher records when it cannot reach the server; cleared again as an accepted mail clears it."""
    with Session(world.engine) as session:
        record_outage(session, at=SINCE, error="邮件服务器 127.0.0.1:1 无法连接：Connection refused")
        session.commit()
    yield
    with Session(world.engine) as session:
        clear_outage(session)
        session.commit()


def test_the_coordinator_sees_the_outage_on_every_page_and_others_do_not(
    page: Page, context: BrowserContext, world: World, outage: None
) -> None:
    """Guards templating._mail_outage and base.html's banner: the console says what /health says."""
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    banner = page.get_by_role("alert").filter(has_text="邮件服务器不可达")
    expect(banner).to_have_text("邮件服务器不可达，自 2022年7月1日 09:30 起：通知暂存发件箱，恢复后自动发出")
    page.goto(f"/console/projects/{world.city.project.id}")
    expect(banner).to_be_visible()
    screenshot(page, world, "mail-outage-coordinator")

    other = context.browser.new_context(base_url=world.base_url) if context.browser else None
    assert other is not None
    try:
        organisation = other.new_page()
        sign_in(organisation, world.user(Role.ORGANISATION))
        expect(organisation.get_by_role("heading", name="我的待办")).to_be_visible()
        expect(organisation.get_by_text("邮件服务器不可达")).to_have_count(0)
    finally:
        other.close()


def test_the_banner_goes_when_the_outage_ends(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    expect(page.get_by_text("邮件服务器不可达")).to_have_count(0)
