"""The calendar page in Chromium against the real server: a loaded official year with its holidays and adjusted
working days, the years still provisional, and the import link only for those who may load a year."""

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from models.lifecycles import NODE
from models.node import Node
from models.roles import Role
from models.user import User
from service.auth import actor_of
from service.commands.calendar import OfficialYearLoad, load_calendar_year
from service.commands.uploads import Upload
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.api.builders import side

LOADED_YEAR = 2097  # far from every other test's deadlines: loading it re-plans nothing of theirs
PROVISIONAL_YEAR = 2098


@dataclass
class Calendar:
    source: str
    users: dict[Role, User]


@pytest.fixture(scope="module")
def calendar(world: World) -> Calendar:
    """A year loaded through the API's use case, by a coordinator of a city of its own."""
    source = factories.unique("国务院办公厅关于2097年部分节假日安排的通知-")
    year = f"""year: {LOADED_YEAR}
source: {source}
holidays:
  - {{name: 国庆节, start: {LOADED_YEAR}-10-01, end: {LOADED_YEAR}-10-07}}
working_days:
  - {{name: 国庆节调休上班, day: {LOADED_YEAR}-09-28}}
"""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        session.commit()
        coordinator = actor_of(built.users[Role.CITY_COORDINATOR])
        upload = Upload("2097.yaml", io.BytesIO(year.encode()))
        load_calendar_year(session, data=OfficialYearLoad(upload), actor=coordinator, now=factories.DECLARATION_DAY)
        node = session.get(Node, built.node.id)  # after the loading, which re-plans provisional nodes
        assert node is not None and node.state in NODE.open
        node.due_date, node.provisional = date(PROVISIONAL_YEAR, 3, 2), True  # planned in a year not yet official
        session.add(node)
        session.commit()
        return Calendar(source, built.users)


def test_a_loaded_year_shows_its_holidays_and_adjusted_working_days(
    page: Page, world: World, calendar: Calendar
) -> None:
    sign_in(page, calendar.users[Role.CITY_COORDINATOR])
    page.goto("/console/reference")
    page.get_by_role("link", name="工作日历").click()
    expect(page.get_by_role("heading", name="工作日历")).to_be_visible()
    expect(page.get_by_role("link", name="载入官方日历文件")).to_have_attribute(
        "href", "/console/imports/official-years"
    )

    loaded = page.locator("#official-years")
    expect(loaded.get_by_role("row").filter(has_text=calendar.source)).to_contain_text(f"{LOADED_YEAR}年")
    loaded.get_by_role("link", name=f"{LOADED_YEAR}年").click()
    expect(page).to_have_url(re.compile(rf"year={LOADED_YEAR}"))
    days = page.locator("#calendar-days tbody tr")
    expect(days).to_have_count(8)  # seven days of 国庆节 and the worked Saturday before
    worked = days.filter(has_text="国庆节调休上班")
    expect(worked).to_contain_text(f"{LOADED_YEAR}年9月28日")
    expect(worked).to_contain_text("调休上班")
    expect(days.filter(has_text=f"{LOADED_YEAR}年10月1日")).to_contain_text("法定节假日")
    expect(days.first).to_contain_text(calendar.source)
    standing = page.locator("#year-standings tr").filter(has_text=f"{LOADED_YEAR}年节假日")
    expect(standing).to_contain_text("正式（已载入节假日安排）")
    expect(page.locator("#provisional-note")).to_have_count(0)
    screenshot(page, world, "calendar-loaded-year")


def test_a_year_without_an_official_schedule_is_shown_provisional(page: Page, world: World, calendar: Calendar) -> None:
    sign_in(page, calendar.users[Role.COMMUNITY])
    page.goto("/console/calendar")
    page.get_by_label("年份", exact=True).fill(str(PROVISIONAL_YEAR))
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name=f"{PROVISIONAL_YEAR}年的法定节假日与调休上班日")).to_be_visible()
    expect(page.locator("#provisional-note")).to_contain_text("截止日期均为暂定")
    standing = page.locator("#year-standings tr").filter(has_text=f"{PROVISIONAL_YEAR}年节假日")
    expect(standing).to_contain_text("暂定")
    expect(standing.locator("td").nth(2)).to_have_text("1")  # this city's node report planned in that year
    built_in = page.locator("#year-standings tr").filter(has_text="2022年节假日")  # the programme clock's year
    expect(built_in).to_contain_text("正式（系统内置的国务院安排）")
    expect(page.get_by_role("link", name="载入官方日历文件")).to_have_count(0)  # only who may load a year


def test_provisional_deadlines_are_counted_within_the_readers_scope(
    page: Page, world: World, calendar: Calendar
) -> None:
    """Another city's coordinator does not count this city's node report (`visible_nodes` in `year_standings`)."""
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(f"/console/calendar?year={PROVISIONAL_YEAR}")
    standing = page.locator("#year-standings tr").filter(has_text=f"{PROVISIONAL_YEAR}年节假日")
    expect(standing.locator("td").nth(2)).to_have_text("0")


@pytest.mark.parametrize(
    ("who", "where"),
    [
        (Role.CITY_COORDINATOR, f"/console/calendar?year={LOADED_YEAR}"),
        (Role.COMMUNITY, "/console/calendar"),
        (Role.EXPERT, "/console/reference"),
    ],
)
def test_the_calendar_page_has_no_critical_accessibility_violation(
    page: Page, world: World, calendar: Calendar, who: Role, where: str
) -> None:
    sign_in(page, calendar.users[who])
    page.goto(where)
    assert critical_violations(page) == []
