"""The coordinator's clock journey as `make run` runs it: the in-service scheduler on, its jobs run as Prefect flows
on a real Prefect server. Setting the clock forward in the browser hands the passed days to the scheduler; the
coordinator then finds the new escalations in 逾期节点, the mails in 邮件捕获 and, on 项目总览, the sweep linked
to the very flow run that Prefect recorded for it.

It needs a server of its own (the demo data, the scheduler on, a clock it may move), as `test_play_year` does."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from models.user import User
from service.demo import DEMO_PASSWORD
from tests.console.conftest import World, screenshot, sign_in
from tests.console.servers import console_server, demo_on_its_clock

SET_TO = date(2023, 1, 6)  # the first quarter's supervision report (due 2022-12-27) is late by then
CATCH_UP_MS = 240_000  # the first flow run imports Prefect in the server; a loaded machine gets room


@dataclass(frozen=True)
class Scheduled:
    base_url: str
    prefect_api: str
    world: World  # for `screenshot`'s file names
    coordinator: User


@pytest.fixture(scope="module")
def scheduled(world: World, prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scheduled]:
    folder = tmp_path_factory.mktemp(f"scheduled-{world.backend}")
    with demo_on_its_clock(world.backend, "sanshe_scheduled", folder, "coordinator") as (engine, catcher, users):
        settings = {
            "SANSHE_SCHEDULER_ENABLED": "true",
            "SANSHE_PREFECT_API_URL": prefect_api,
            "PREFECT_API_URL": prefect_api,  # the flows report to this server, never to an ephemeral one
            "PREFECT_HOME": str(folder / "prefect-client"),
            "PREFECT_SERVER_EPHEMERAL_ENABLED": "false",
            "SANSHE_SMTP_HOST": catcher.host,
            "SANSHE_SMTP_PORT": str(catcher.port),
        }
        with console_server(engine, folder, **settings) as base_url:
            yield Scheduled(base_url, prefect_api, world, users[0])


def _flow_run(prefect_api: str, run_id: str) -> tuple[str, str]:
    """The flow's name and the run's state type, as Prefect's own API records them."""
    run = httpx.get(f"{prefect_api}/flow_runs/{run_id}", timeout=10).json()
    flow = httpx.get(f"{prefect_api}/flows/{run['flow_id']}", timeout=10).json()
    return flow["name"], run["state"]["type"]


def test_setting_the_clock_runs_the_sweep_as_a_flow_and_the_coordinator_follows_it(
    browser: Browser, scheduled: Scheduled
) -> None:
    context = browser.new_context(base_url=scheduled.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page: Page = context.new_page()
    try:
        sign_in(page, scheduled.coordinator, password=DEMO_PASSWORD, at="/console/clock")
        page.get_by_label("拨到日期（时刻不变）").fill(SET_TO.isoformat())
        page.get_by_role("button", name="拨到所选日期").click()
        expect(page.locator("#clock-progress")).to_contain_text("已交给调度器")  # the scheduler took the days
        expect(page.locator("#clock-finished")).to_be_visible(timeout=CATCH_UP_MS)  # polled until sent
        screenshot(page, scheduled.world, "scheduled-clock-finished")

        page.goto("/console/overdue")
        expect(
            page.locator("#overdue-nodes").get_by_role("row").filter(has_text="督导报告（第1期）").first
        ).to_be_visible()

        page.goto("/console/mail")
        page.get_by_label("按主题或收件人筛选").fill("节点逾期通知")
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_role("row").filter(has_text="节点逾期通知").first).to_be_visible()

        page.goto("/console/dashboard")
        sweep = page.locator("#recent-sweeps tr").filter(has_text="节点督办").filter(has_text="2023年1月6日").first
        link = sweep.get_by_role("link", name=re.compile("在 Prefect 中查看"))
        href = link.get_attribute("href") or ""
        ui = scheduled.prefect_api.removesuffix("/api")
        assert href.startswith(f"{ui}/runs/flow-run/"), href
        assert _flow_run(scheduled.prefect_api, href.rsplit("/", 1)[1]) == ("enforce-deadlines", "COMPLETED")
        screenshot(page, scheduled.world, "scheduled-dashboard-sweeps")
    finally:
        context.close()
