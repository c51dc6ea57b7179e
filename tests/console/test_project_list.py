"""项目列表 in the browser: the title, state and street filters, paging, a district bureau's scope, row links and
accessibility."""

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from models.programme import Programme
from models.region import Region
from models.roles import Role
from service.console.project_list import PAGE_SIZE
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations

ELSEWHERE = "七里河区"
HOME_COUNT = PAGE_SIZE + 1  # two pages in the world's district


@dataclass(frozen=True)
class Catalogue:
    marker: str  # every title of this module's projects holds it, so other modules' rows drop out of the filter
    home_ids: list[int]  # in the world's district (城关区), newest last
    elsewhere_id: int
    street_id: int  # the street of home_ids[0]'s community, no other project of the module's
    street_label: str


@pytest.fixture(scope="module")
def catalogue(world: World) -> Catalogue:
    marker = f"目录{uuid.uuid4().hex[:6]}"
    with Session(world.engine, expire_on_commit=False) as session:
        programme = session.get(Programme, world.city.programme.id)
        assert programme is not None
        home = [factories.cast(session, programme=programme, title=f"{marker}邻里{n:02d}") for n in range(HOME_COUNT)]
        away = factories.cast(session, programme=programme, district_name=ELSEWHERE, title=f"{marker}河畔")
        session.commit()
        street = home[0].community.parent_id
        assert street is not None
        return Catalogue(
            marker=marker,
            home_ids=[c.project.id for c in home if c.project.id is not None],
            elsewhere_id=away.project.id or 0,
            street_id=street,
            street_label=f"城关区 / {session.get_one(Region, street).name}",
        )


def _rows(page: Page) -> list[str]:
    return page.locator("#projects tbody tr td:first-child").all_inner_texts()


def test_title_filter_and_paging_as_the_coordinator(page: Page, world: World, catalogue: Catalogue) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR), at="/console/projects")
    page.get_by_label("项目名称").fill(catalogue.marker)
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text(f"共 {HOME_COUNT + 1} 项")).to_be_visible()
    first = _rows(page)
    assert len(first) == PAGE_SIZE
    assert first[0] == str(catalogue.elsewhere_id)  # the newest first
    page.get_by_role("link", name="下一页").click()
    expect(page.get_by_text("第 2 / 2 页")).to_be_visible()
    assert page.get_by_label("项目名称").input_value() == catalogue.marker  # the filter kept across pages
    rest = _rows(page)
    assert sorted(map(int, first + rest)) == sorted([*catalogue.home_ids, catalogue.elsewhere_id])
    screenshot(page, world, "project-list")


def test_state_and_street_filters(page: Page, world: World, catalogue: Catalogue) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR), at=f"/console/projects?title={quote(catalogue.marker)}")
    page.get_by_label("状态").select_option(label="已申报")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合条件的项目。")).to_be_visible()  # all of them are drafts
    page.get_by_label("状态").select_option(label="草稿")
    page.get_by_label("街道").select_option(label=catalogue.street_label)
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("共 1 项")).to_be_visible()
    assert _rows(page) == [str(catalogue.home_ids[0])]


def test_a_district_bureau_sees_its_district_only(page: Page, world: World, catalogue: Catalogue) -> None:
    sign_in(page, world.user(Role.DISTRICT_BUREAU), at=f"/console/projects?title={quote(catalogue.marker)}&page=2")
    expect(page.get_by_text(f"共 {HOME_COUNT} 项")).to_be_visible()
    assert _rows(page) == [str(catalogue.home_ids[0])]  # the oldest, alone on the second page
    streets = page.get_by_label("街道").locator("option").all_inner_texts()
    assert streets[0] == "全部" and all(s.startswith("城关区 / ") for s in streets[1:])
    assert page.get_by_label("区", exact=True).count() == 0  # one district: nothing to choose
    page.goto(f"/console/projects?title={quote(catalogue.marker)}&district={world.stranger.region_id}")
    expect(page.get_by_text("没有符合条件的项目。")).to_be_visible()  # another district's filter widens nothing


def test_a_filter_value_that_is_no_id_filters_nothing(page: Page, world: World, catalogue: Catalogue) -> None:
    """Guards `isascii()` in service.console.form_input.chosen_id: "²" is a digit to `isdigit` but no int."""
    listed = f"/console/projects?title={quote(catalogue.marker)}&street=%C2%B2"
    sign_in(page, world.user(Role.DISTRICT_BUREAU), at=listed)
    expect(page.get_by_text(f"共 {HOME_COUNT} 项")).to_be_visible()


def test_the_other_district_sees_only_its_own(page: Page, world: World, catalogue: Catalogue) -> None:
    sign_in(page, world.stranger, at=f"/console/projects?title={quote(catalogue.marker)}")
    expect(page.get_by_text("共 1 项")).to_be_visible()
    page.get_by_role("link", name=f"{catalogue.marker}河畔").click()
    expect(page).to_have_url(re.compile(rf"/console/projects/{catalogue.elsewhere_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{catalogue.marker}河畔")


@pytest.mark.parametrize("role", [Role.CITY_COORDINATOR, Role.ORGANISATION])
def test_accessibility(page: Page, world: World, catalogue: Catalogue, role: Role) -> None:
    sign_in(page, world.user(role), at=f"/console/projects?title={quote(catalogue.marker)}")
    expect(page.get_by_role("heading", name="项目列表")).to_be_visible()
    assert critical_violations(page) == []
