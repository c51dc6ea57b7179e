"""The README's screenshots (the dashboard, a project page, the expert inbox) over the demo data of `make run`, seen at
1366×768 in Chromium: checked like any page here, and written to docs/screenshots/ when SANSHE_README_SCREENSHOTS=1
(`make screenshots`); every other run keeps them under var/test-output/screenshots/ only."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from models.project import Project
from models.region import Region
from models.service_clock import set_stored_clock
from service.demo import DEMO_PASSWORD, SHANGHAI
from service.settings import PROJECT_ROOT
from tests.conftest import BACKENDS
from tests.console.conftest import SCREENSHOTS, World
from tests.console.servers import console_server, demo_database

README_SHOTS = PROJECT_ROOT / "docs" / "screenshots"
FOR_README = os.environ.get("SANSHE_README_SCREENSHOTS") == "1"
SCREEN = {"width": 1366, "height": 768}
# Midway through the first quarter of implementation: reports approved, submitted, confirmed and some late.
SHOWN_ON = datetime(2023, 1, 16, 9, 30, tzinfo=SHANGHAI)
SHOWN_COMMUNITY = "金塔巷社区"  # its first report was approved early (service/demo.py)


@dataclass(frozen=True)
class Demo:
    base_url: str
    backend: str
    project_id: int


@pytest.fixture(scope="module")
def demo(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`make run`'s demo data on a server of its own (the shared `world` keeps its rows), the clock in January."""
    backend = world.backend
    with demo_database(backend, "sanshe_readme") as engine:
        with Session(engine) as session:
            set_stored_clock(session, to=SHOWN_ON, wall_now=datetime.now(UTC), set_by="tests")
            community = session.exec(select(Region).where(Region.name == SHOWN_COMMUNITY)).one()
            project = session.exec(select(Project).where(Project.community_id == community.id)).one()
            assert project.id is not None
            project_id = project.id
            session.commit()
        with console_server(engine, tmp_path_factory.mktemp(f"readme-{backend}")) as base_url:
            yield Demo(base_url, backend, project_id)


@pytest.fixture
def shown(browser: Browser, demo: Demo) -> Iterator[Page]:
    context = browser.new_context(base_url=demo.base_url, viewport=SCREEN, locale="zh-CN")  # type: ignore[arg-type]
    yield context.new_page()
    context.close()


def _sign_in(page: Page, username: str) -> None:
    page.goto("/console/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()


def _keep(page: Page, demo: Demo, name: str) -> Path:
    """The screen as a reader first sees it (1366×768, not the whole page): README's on request, else the tests'."""
    page.wait_for_load_state("networkidle")  # the dashboard's charts are drawn by then
    chosen = README_SHOTS if FOR_README and demo.backend == BACKENDS[0] else SCREENSHOTS
    chosen.mkdir(parents=True, exist_ok=True)
    path = chosen / (f"{name}.png" if chosen == README_SHOTS else f"readme-{name}-{demo.backend}.png")
    page.screenshot(path=str(path), full_page=False)
    return path


def _no_error(page: Page) -> None:
    expect(page.locator(".alert-error")).to_have_count(0)
    expect(page.locator("#flash").get_by_role("alert")).to_have_count(0)


def test_the_dashboard_screenshot(shown: Page, demo: Demo) -> None:
    _sign_in(shown, "coordinator")
    shown.goto("/console/dashboard")
    expect(shown.get_by_role("heading", level=1)).to_be_visible()
    expect(shown.get_by_text("城关区").first).to_be_attached()
    _no_error(shown)
    _keep(shown, demo, "dashboard")


def test_the_project_page_screenshot(shown: Page, demo: Demo) -> None:
    _sign_in(shown, "org1")  # the organisation's view: the project's progress first, no coordinator's buttons
    shown.goto(f"/console/projects/{demo.project_id}")
    expect(shown.locator("#project-state")).to_have_text("实施中")
    expect(shown.get_by_role("heading", name="节点报告")).to_be_visible()
    _no_error(shown)
    _keep(shown, demo, "project")


def test_the_expert_inbox_screenshot(shown: Page, demo: Demo) -> None:
    _sign_in(shown, "expert1")
    shown.goto("/console/reviews")
    expect(shown.get_by_role("row").nth(1)).to_be_visible()
    _no_error(shown)
    _keep(shown, demo, "expert-inbox")
