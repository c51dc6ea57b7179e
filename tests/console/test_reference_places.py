"""The places pages in Chromium against the real server: a district bureau lists, filters and edits its places and
adds one; a bad notice address is refused in Chinese beside the field with the input kept; a street office sees
only its own street, gets no edit form, and a forged edit is refused."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, select

from models.region import Region
from models.roles import Role
from models.user import User
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.api.builders import side


@dataclass
class Places:
    district: Region
    street: Region
    community: Region
    other_street: Region  # a sibling street in the same district
    users: dict[Role, User]


@pytest.fixture(scope="module")
def places(world: World) -> Places:
    """A city of its own, with a second street beside the street office's."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        other_community = factories.community(session, built.programme, built.district.name)
        other_street = session.get(Region, other_community.parent_id)
        assert other_street is not None
        session.commit()
        return Places(built.district, built.street, built.community, other_street, built.users)


def csrf_token(page: Page) -> str:
    """The token every console page carries for htmx (the body's hx-headers), as a forged request would read it."""
    token = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    assert isinstance(token, str) and token
    return token


def named(table: Locator, name: str) -> Locator:
    """The place's name in the list's first column (the parent column repeats names)."""
    return table.locator("span.place-name", has_text=re.compile(rf"^{re.escape(name)}$"))


def stored(world: World, region_id: int) -> Region:
    with Session(world.engine) as session:
        region = session.exec(select(Region).where(Region.id == region_id)).one()
        session.expunge(region)
        return region


def test_a_district_lists_its_places_as_a_tree_and_filters_them(page: Page, world: World, places: Places) -> None:
    sign_in(page, places.users[Role.DISTRICT_BUREAU])
    page.goto("/console/places")
    expect(page.get_by_role("heading", name="区划与通知地址")).to_be_visible()
    table = page.locator("#places")
    for place in (places.district, places.street, places.community, places.other_street):
        expect(named(table, place.name)).to_be_visible()
    expect(table.get_by_role("cell", name=places.community.contact_email or "", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="从 Excel 导入")).to_have_attribute("href", "/console/imports/places")

    page.get_by_label("级别").select_option(label="街道（乡镇）")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"level=street"))
    expect(named(table, places.street.name)).to_be_visible()
    expect(named(table, places.community.name)).to_have_count(0)
    expect(named(table, places.district.name)).to_have_count(0)

    page.get_by_label("名称").fill(places.other_street.name)
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(named(table, places.other_street.name)).to_be_visible()
    screenshot(page, world, "places-filtered")


def test_a_notice_address_is_edited_and_a_bad_one_refused_in_chinese(page: Page, world: World, places: Places) -> None:
    """Through `edit_region`: the bad address stays in the field with the reason beside it; the good one is saved."""
    sign_in(page, places.users[Role.DISTRICT_BUREAU])
    page.goto("/console/places")
    page.get_by_role("link", name=f"修改{places.other_street.name}").click()
    expect(page.get_by_role("heading", name=places.other_street.name, exact=True)).to_be_visible()

    email = page.get_by_label("联系邮箱（通知发往此处）")
    email.fill("not-an-address")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#edit-email-error")).to_contain_text("电子邮箱格式不正确")
    expect(page.get_by_label("联系邮箱（通知发往此处）")).to_have_value("not-an-address")
    expect(page.get_by_label("联系邮箱（通知发往此处）")).to_have_attribute("aria-invalid", "true")
    screenshot(page, world, "place-bad-email")
    assert stored(world, places.other_street.id).contact_email == places.other_street.contact_email  # type: ignore[arg-type]

    address = f"{factories.unique('jiedao')}@example.cn"
    page.get_by_label("联系邮箱（通知发往此处）").fill(address)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    expect(page.locator("#place-email")).to_have_text(address)
    saved = stored(world, places.other_street.id)  # type: ignore[arg-type]
    assert saved.contact_email == address
    assert saved.version == places.other_street.version + 1


def test_a_district_adds_a_community_below_a_street(page: Page, world: World, places: Places) -> None:
    """Through `add_region`; a name already taken among the siblings is refused beside the name, input kept."""
    sign_in(page, places.users[Role.DISTRICT_BUREAU])
    page.goto(f"/console/places/{places.street.id}")
    form = page.locator("form", has=page.get_by_role("button", name="添加"))
    form.get_by_label("名称").fill(places.community.name)
    form.get_by_role("button", name="添加").click()
    expect(page.locator("#child-name-error")).to_contain_text("已有名为")
    expect(page.locator("#child-name")).to_have_value(places.community.name)

    name = factories.unique("新社区")
    page.locator("#child-name").fill(name)
    page.locator("#child-email").fill(f"{factories.unique('c')}@example.cn")
    page.get_by_role("button", name="添加").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="已添加")).to_be_visible()
    with Session(world.engine) as session:
        added = session.exec(select(Region).where(Region.name == name)).one()
        assert added.parent_id == places.street.id


def test_a_street_office_sees_only_its_street_and_may_not_edit(page: Page, world: World, places: Places) -> None:
    """No edit form, the sibling street out of reach, and a forged edit with a valid token refused by `edit_region`."""
    sign_in(page, places.users[Role.STREET_OFFICE])
    page.goto("/console/places")
    table = page.locator("#places")
    expect(named(table, places.street.name)).to_be_visible()
    expect(named(table, places.community.name)).to_be_visible()
    expect(named(table, places.other_street.name)).to_have_count(0)
    expect(named(table, places.district.name)).to_have_count(0)
    expect(page.get_by_role("link", name="从 Excel 导入")).to_have_count(0)

    page.get_by_role("link", name=f"查看{places.street.name}").click()
    expect(page.get_by_role("heading", name=places.street.name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="保存")).to_have_count(0)
    expect(page.get_by_role("button", name="添加")).to_have_count(0)

    before = stored(world, places.street.id)  # type: ignore[arg-type]
    forged = page.request.post(
        f"/console/places/{places.street.id}",
        form={"expected_version": str(before.version), "contact_email": "forged@example.cn"},
        headers={"X-CSRF-Token": csrf_token(page)},
    )
    assert forged.status == 403
    assert "无权" in forged.text()
    assert stored(world, places.street.id).contact_email == before.contact_email  # type: ignore[arg-type]

    page.goto(f"/console/places/{places.other_street.id}")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()


def test_an_organisation_has_no_places_page(page: Page, world: World, places: Places) -> None:
    sign_in(page, places.users[Role.ORGANISATION])
    page.goto("/console/reference")
    expect(page.get_by_role("link", name="社工机构")).to_be_visible()
    expect(page.get_by_role("link", name="区划与通知地址")).to_have_count(0)
    expect(page.get_by_role("link", name="登录账号")).to_have_count(0)
    response = page.goto("/console/places")
    assert response is not None and response.status == 403


@pytest.mark.parametrize(
    ("who", "where"),
    [
        (Role.DISTRICT_BUREAU, "/console/reference"),
        (Role.DISTRICT_BUREAU, "/console/places"),
        (Role.DISTRICT_BUREAU, "/console/places/{street}"),
        (Role.STREET_OFFICE, "/console/places/{street}"),
    ],
)
def test_the_places_pages_have_no_critical_accessibility_violation(
    page: Page, world: World, places: Places, who: Role, where: str
) -> None:
    sign_in(page, places.users[who])
    page.goto(where.format(street=places.street.id))
    assert critical_violations(page) == []
