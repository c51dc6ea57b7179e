"""项目总览 in the browser: the coordinator's chart and district ranking, each office's own scope, and the Prefect
panel when Prefect is not there."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from models.escalation import EscalationClaim
from models.outbox import OutboxMessage
from models.programme import Programme
from models.roles import Role
from models.service_clock import set_stored_clock
from schedules.ladder import node_ladder
from schedules.sweep import session_steps
from service.console.dashboard import recent_flow_runs
from service.mail.catcher import free_port
from service.settings import Settings
from tests import factories
from tests.console.conftest import DAY, World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.reliability.prefect_processes import post_to_prefect
from tests.schedules.builders import morning, started_project

AS_OF = date(2023, 1, 6)  # Lanzhou 2022's first supervision nodes fell due on 2022-12-27
ELSEWHERE = "七里河区"


@dataclass(frozen=True)
class Late:
    rung_label: str  # the highest rung the sweep reached, as the page should word it
    project_id: int  # a project in 七里河区 whose first node is late
    told: list[str]  # who its escalation notices went to


@pytest.fixture(scope="module")
def late(world: World) -> Iterator[Late]:
    """Two started projects in 七里河区 and one more in the world's district, their first nodes swept as late on
    AS_OF, and the programme clock moved there for this module (put back after it)."""
    with Session(world.engine, expire_on_commit=False) as session:
        programme = session.get(Programme, world.city.programme.id)
        assert programme is not None
        casts = [started_project(session, programme=programme, district_name=ELSEWHERE) for _ in range(2)]
        casts.append(started_project(session, programme=programme))
        session.commit()
        firsts = [factories.nodes(session, cast.project)[0].id for cast in casts]
        assert all(node_id is not None for node_id in firsts)
        session_steps(session).claim(sorted(firsts), AS_OF, morning(AS_OF))  # type: ignore[arg-type]
        top = session.exec(
            select(EscalationClaim.rung_code)
            .where(col(EscalationClaim.entity_id).in_(firsts), col(EscalationClaim.skipped).is_(False))
            .order_by(col(EscalationClaim.rung_index).desc())
        ).first()
        assert top is not None, "the sweep claimed no rung for the late nodes"
        label = {r.code: r.label for r in node_ladder(programme.parsed_spec()).rungs}[top]
        told = session.exec(
            select(OutboxMessage.recipient_name).where(
                OutboxMessage.entity_type == "node", OutboxMessage.entity_id == firsts[0]
            )
        ).all()
        assert told, "the sweep told nobody of the late node"
        set_stored_clock(session, to=morning(AS_OF), wall_now=datetime.now(UTC), set_by="tests")
        session.commit()
    try:
        yield Late(rung_label=label, project_id=casts[0].project.id, told=list(told))  # type: ignore[arg-type]
    finally:
        with Session(world.engine) as session:
            set_stored_clock(session, to=DAY, wall_now=datetime.now(UTC), set_by="tests")
            session.commit()


def ranked_districts(page: Page) -> list[str]:
    return page.locator("#district-ranking tbody tr td:nth-child(2)").all_inner_texts()


def test_coordinator_sees_the_chart_the_ranking_and_the_highest_rung(page: Page, world: World, late: Late) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.get_by_role("link", name="项目总览").click()
    expect(page.get_by_role("heading", name="项目总览", level=1)).to_be_visible()
    expect(page.locator("#done-vs-due canvas")).to_have_count(1)  # ECharts drew it
    assert ranked_districts(page)[0] == ELSEWHERE  # two late nodes there, one in the world's district
    late_cells = page.locator("#district-ranking tbody tr td:nth-child(3)").all_inner_texts()
    assert late_cells[0] == "2"
    expect(page.locator("#tile-late")).to_have_text("3")
    expect(page.locator("#tile-rung")).to_contain_text(late.rung_label)
    expect(page.locator("#project-states")).to_contain_text("实施中")
    expect(page.locator("#flow-runs")).to_contain_text("未配置 Prefect 服务地址")  # the server has none
    assert critical_violations(page) == []
    screenshot(page, world, "dashboard-coordinator")


def test_a_district_bureau_sees_its_own_district_only(page: Page, world: World, late: Late) -> None:
    """Guards `visible_projects(...)` in service.queries.dashboard.programme_dashboard: without it, every district."""
    sign_in(page, world.stranger)  # 七里河区's bureau
    page.goto("/console/dashboard")
    assert ranked_districts(page) == [ELSEWHERE]
    expect(page.locator("#tile-projects")).to_have_text("2")
    expect(page.locator("#tile-late")).to_have_text("2")
    screenshot(page, world, "dashboard-district")


def test_a_street_office_sees_its_own_streets_only(page: Page, world: World, late: Late) -> None:
    """Guards the same `visible_projects(...)` line, for an office narrower than a district."""
    sign_in(page, world.user(Role.STREET_OFFICE), at="/console/dashboard")
    expect(page.locator("#tile-projects")).to_have_text("1")  # the world's project; the drafts lie in other streets
    expect(page.locator("#tile-late")).to_have_text("0")
    assert ranked_districts(page) == [world.city.district.name]


def test_an_organisation_is_refused_in_chinese_and_has_no_link(page: Page, world: World) -> None:
    sign_in(page, world.user(Role.ORGANISATION))
    expect(page.get_by_role("link", name="项目总览")).to_have_count(0)
    page.goto("/console/dashboard")
    expect(page.get_by_text("只有市、区民政局和街道办事处可以查看项目总览")).to_be_visible()


def test_an_unreachable_prefect_is_said_in_chinese_and_the_page_still_answers() -> None:
    """Guards the `except (httpx.HTTPError, …)` in recent_flow_runs: without it a closed port fails the page."""
    closed = free_port()  # nothing listens there
    runs = recent_flow_runs(Settings(prefect_api_url=f"http://127.0.0.1:{closed}/api"))
    assert (runs.runs, runs.problem) == ([], "暂时无法连接 Prefect 服务，流程运行记录稍后再看。")


def overdue_rows(page: Page) -> list[str]:
    return page.locator("#overdue-nodes tbody tr").all_inner_texts()


def test_the_overdue_list_shows_the_rung_and_who_was_told_filters_and_downloads(
    page: Page, world: World, late: Late
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.get_by_role("link", name="逾期节点").click()
    expect(page.get_by_role("heading", name="逾期节点", level=1)).to_be_visible()
    assert len(overdue_rows(page)) == 3
    row = page.locator("#overdue-nodes tbody tr").filter(
        has=page.locator(f'a[href="/console/projects/{late.project_id}"]')
    )
    expect(row).to_contain_text(late.rung_label)
    for name in late.told:
        expect(row).to_contain_text(name)
    expect(row).to_contain_text("待发送")  # queued by the sweep; no dispatcher runs here
    assert critical_violations(page) == []
    screenshot(page, world, "dashboard-overdue")

    page.get_by_label("区", exact=True).select_option(label=ELSEWHERE)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#overdue-nodes tbody tr")).to_have_count(2)
    assert all(ELSEWHERE in text for text in overdue_rows(page))

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel（.xlsx）").click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("节点编号", "项目", "区") and len(rows) == 3  # the header and the filtered two
    assert {r[2] for r in rows[1:]} == {ELSEWHERE}
    assert all(r[6] == late.rung_label for r in rows[1:])

    page.get_by_label("区", exact=True).select_option(label="全部")
    page.get_by_label("已达督办级别").select_option(label=late.rung_label)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#overdue-nodes tbody tr")).to_have_count(3)
    first_rung = page.locator("#f-rung option").nth(1).inner_text()  # the reminder: skipped, told nobody
    page.get_by_label("已达督办级别").select_option(label=first_rung)
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合条件的逾期节点。")).to_be_visible()


def test_the_overdue_list_of_a_district_bureau_and_a_street_office_is_their_own(
    page: Page, world: World, late: Late
) -> None:
    """Guards `visible_nodes(session, actor)` in service.queries.overdue._where: without it, the city's late nodes."""
    sign_in(page, world.stranger, at="/console/overdue")
    assert len(overdue_rows(page)) == 2 and all(ELSEWHERE in text for text in overdue_rows(page))
    page.goto(f"/console/overdue?district={world.city.district.id}")  # another district's filter finds nothing
    expect(page.get_by_text("没有符合条件的逾期节点。")).to_be_visible()
    page.context.clear_cookies()
    sign_in(page, world.user(Role.STREET_OFFICE), at="/console/overdue")
    expect(page.get_by_text("没有符合条件的逾期节点。")).to_be_visible()  # its street's project is not late


def test_the_flow_runs_panel_reads_a_real_prefect_server_and_links_to_its_ui(prefect_api: str) -> None:
    """A run recorded on Prefect's own server is listed with its flow, its state in Chinese and its UI page."""
    flow_id = post_to_prefect(f"{prefect_api}/flows/", {"name": "sweep-probe"}).json()["id"]
    completed = {"type": "COMPLETED", "name": "Completed"}
    made = post_to_prefect(f"{prefect_api}/flow_runs/", {"flow_id": flow_id, "name": "probe-run", "state": completed})
    assert made.status_code == 201, made.text
    runs = recent_flow_runs(Settings(prefect_api_url=prefect_api))
    assert runs.problem is None
    url = f"{prefect_api.removesuffix('/api')}/runs/flow-run/{made.json()['id']}"
    [run] = [run for run in runs.runs if run.url == url]  # the server is shared: other tests' runs may be listed
    assert (run.flow, run.name, run.state, run.state_label) == ("sweep-probe", "probe-run", "COMPLETED", "已完成")
