"""通报 in Chromium against the real server: the coordinator generates a quarter's bulletin and downloads the .xlsx
(opened with openpyxl), a district bureau reads and downloads it but cannot generate one, a community is refused."""

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.node import Node
from models.roles import Role
from models.user import User
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.service.api.builders import side

DUE = date(2022, 6, 20)  # in 2022-Q2, before the console's programme day (2022-07-01): overdue by the quarter's end


@dataclass
class City:
    programme_id: int
    programme_name: str
    district: str
    project_title: str
    node_title: str
    users: dict[Role, User]


@pytest.fixture(scope="module")
def city(world: World) -> City:
    """A programme of its own whose one node fell due in 2022-Q2, so that no other test's bulletin is touched."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        node = session.get(Node, built.node.id)
        assert node is not None and built.programme.id is not None
        node.due_date = DUE
        session.commit()
        return City(
            built.programme.id, built.programme.name, built.district.name, built.project.title, node.title, built.users
        )


def test_the_coordinator_generates_a_quarter_and_downloads_its_workbook(page: Page, world: World, city: City) -> None:
    sign_in(page, city.users[Role.CITY_COORDINATOR], at="/console/bulletins")
    expect(page.get_by_role("heading", name="节点工作完成情况通报", level=1)).to_be_visible()
    expect(page.get_by_text("还没有生成过通报")).to_be_visible()
    assert critical_violations(page) == []
    picker = page.get_by_label(f"{city.programme_name}：通报期间")
    expect(picker.locator("option").first).to_have_attribute("value", re.compile(r"^2022-Q[34]$"))  # the latest first
    expect(page.locator(".progress-note")).to_be_hidden()  # shown only while the request runs
    picker.select_option("2022-Q2")
    page.get_by_role("button", name="生成通报").click()
    expect(page.locator("#published")).to_contain_text(f"已生成{city.programme_name}（2022-Q2）的通报")
    rows = page.locator("#bulletins tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2022年4月1日至2022年6月30日")
    expect(rows.first.locator('td[data-label="生成时间"]')).to_contain_text("2022年")  # the programme clock's time
    screenshot(page, world, "bulletins-published")

    with page.expect_download() as got:
        rows.first.get_by_role("link", name="下载 2022-Q2 通报（.xlsx）").click()
    # The programme's name as saved (Chromium writes its quotation marks as "_").
    saved_as = city.programme_name.replace('"', "_")
    assert got.value.suggested_filename == f"{saved_as}节点工作完成情况通报（2022-Q2）.xlsx"
    book = load_workbook(io.BytesIO(got.value.path().read_bytes()))
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0][0] == f"{city.programme_name} 节点工作完成情况通报（2022-04-01至2022-06-30，统计至2022-06-30）"
    assert summary[2][:5] == (city.district, 1, 0, 0, 1)  # one node due, overdue at the quarter's end
    detail = list(book["明细"].iter_rows(values_only=True))
    assert detail[1][:5] == (city.district, city.project_title, city.node_title, DUE.isoformat(), "未完成")

    with Session(world.engine) as session:  # the use case's audit row, written for the console's publication too
        audits = session.exec(
            select(AuditEvent).where(AuditEvent.entity_type == "bulletin", AuditEvent.entity_id == city.programme_id)
        ).all()
    assert [(a.event, a.actor_id, a.details["period"]) for a in audits] == [
        ("publish", city.users[Role.CITY_COORDINATOR].username, "2022-Q2")
    ]


def test_a_district_bureau_reads_and_downloads_but_cannot_generate(page: Page, world: World, city: City) -> None:
    sign_in(page, city.users[Role.DISTRICT_BUREAU], at="/console/bulletins")
    expect(page.get_by_role("heading", name="节点工作完成情况通报", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="生成通报")).to_have_count(0)
    link = page.get_by_role("link", name="下载 2022-Q2 通报（.xlsx）")
    expect(link).to_be_visible()
    with page.expect_download() as got:
        link.click()
    assert load_workbook(io.BytesIO(got.value.path().read_bytes()))["汇总"]["A3"].value == city.district
    assert critical_violations(page) == []


def test_a_community_is_refused_in_chinese(page: Page, world: World, city: City) -> None:
    sign_in(page, city.users[Role.COMMUNITY], at="/console/bulletins")
    expect(page.get_by_role("alert")).to_have_text("只有市民政局、区民政局和街道办事处可以查看节点工作完成情况通报")
    page.goto(f"/console/bulletins/{city.programme_id}/2022-Q2")
    expect(page.get_by_role("alert")).to_have_text("只有市民政局、区民政局和街道办事处可以查看节点工作完成情况通报")
