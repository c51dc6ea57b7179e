"""One real console server per test session and backend: uvicorn in a subprocess over a fresh database built
through the factories, on a free port, driven by Debian's Chromium through Playwright."""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine
from sqlmodel import Session

from models.migrate import fresh_database
from models.project import Project
from models.roles import Role
from models.service_clock import set_stored_clock
from models.user import User
from service.auth import actor_of
from service.commands.extensions import NodeExtension, extend_node
from service.console.session import CSRF_FIELD, HOME_PATH, LOGIN_PATH
from service.settings import PROJECT_ROOT
from tests import factories
from tests.conftest import BACKENDS
from tests.console.servers import console_server, postgres_schema
from tests.service.api.builders import PASSWORD, Side, side, user
from tests.service.api.conftest import api, dev_api  # noqa: F401  (the in-process client, for cookie and form tests)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "var" / "test-output" / "screenshots"
NO_CHROMIUM = (
    "未找到 /usr/bin/chromium：控制台的浏览器测试需要 Debian 的 Chromium 和中文字体。"
    "请以 root 运行 make browser（apt-get install -y chromium fonts-noto-cjk）后重试。"
)
DAY = factories.DECLARATION_DAY  # the programme clock's day: the drafts' `submit` is inside its window


@dataclass
class World:
    """What the server holds: a project in implementation and two drafts in one district, and another district."""

    base_url: str
    backend: str
    city: Side
    draft: Project  # the organisation submits it in the journey
    untouched_draft: Project  # a forged post must leave it a draft
    contested_draft: Project  # submitted from two pages at once
    stranger: User  # the bureau of another district of the same city
    engine: Engine  # the server's database: a test module may add rows of its own (committed) while it runs
    files_dir: Path  # the server's SANSHE_FILES_DIR (uploads, the dev mail catcher's folder)

    def user(self, role: Role) -> User:
        return self.city.users[role]


def _build(engine: Engine) -> tuple[Side, list[Project], User]:
    """Everything through the factories and use cases, committed, before the server starts."""
    with Session(engine, expire_on_commit=False) as session:
        city = side(session)
        drafts = [
            factories.cast(session, programme=city.programme, declaring=city.organisation).project for _ in range(3)
        ]
        node = city.node  # given more time through the extension use case: the timeline shows it moved
        data = NodeExtension(
            new_due_date=node.due_date + timedelta(days=14), reason="疫情防控延期", expected_version=node.version
        )
        extend_node(session, node_id=node.id, data=data, actor=actor_of(city.users[Role.CITY_COORDINATOR]), now=DAY)
        elsewhere = factories.district(session, city.programme, "七里河区")
        assert elsewhere.id != city.district.id
        stranger = user(session, Role.DISTRICT_BUREAU, region_id=elsewhere.id)
        set_stored_clock(session, to=DAY, wall_now=datetime.now(UTC), set_by="tests")
        session.commit()
        return city, drafts, stranger


@pytest.fixture(scope="session", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    backend = request.param
    with (
        fresh_database("sqlite", prefix="sanshe-console") if backend == "sqlite" else postgres_schema("sanshe_console")
    ) as engine:
        city, (draft, untouched, contested), stranger = _build(engine)
        folder = tmp_path_factory.mktemp(f"console-{backend}")
        with console_server(engine, folder) as base_url:
            yield World(base_url, backend, city, draft, untouched, contested, stranger, engine, folder / "files")


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Package-wide, not session-wide: the sync driver keeps an event loop running in this thread until it stops,
    and the mail tests after these need `asyncio.run`."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, world: World) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser, world: World) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (no cookies), at a 1366×768 screen, in Chinese."""
    profile = browser.new_context(base_url=world.base_url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    yield profile
    profile.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def screenshot(page: Page, world: World, name: str) -> Path:
    """Kept under var/test-output/screenshots/ for the README and for whoever reads a failed run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{world.backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, user: User, *, password: str = PASSWORD, at: str | None = None) -> None:
    """Without `at`, through the sign-in form, as a user does (where signing in is itself under test).

    With `at`, the same sign-in form is posted from the page's request context (it shares the page's cookies: the
    CSRF key, then the session), without rendering the form and the work list in the browser; then the page opens
    `at`."""
    if at is None:
        page.goto("/console/login")
        page.get_by_label("用户名", exact=True).fill(user.username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        return
    form = page.request.get(LOGIN_PATH)
    token = re.search(f'name="{CSRF_FIELD}" value="([^"]+)"', form.text())
    assert form.ok and token is not None, form.text()
    fields = {"username": user.username, "password": password, CSRF_FIELD: token.group(1)}
    answer = page.request.post(LOGIN_PATH, form=fields, max_redirects=0)
    assert answer.status == 303 and answer.headers["location"] == HOME_PATH, answer.text()
    page.goto(at)
