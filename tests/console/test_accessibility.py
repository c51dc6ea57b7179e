"""axe-core, run in Chromium on each console page: no critical violation (tests/console/axe-core/, MPL-2.0)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from models.roles import Role
from tests.console.conftest import World, sign_in

AXE = Path(__file__).resolve().parent / "axe-core" / "axe.min.js"


def critical_violations(page: Page) -> list[str]:
    """What axe finds critical on the page as rendered, named by rule and the first element it points at."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in found if v["impact"] == "critical"]


@pytest.mark.parametrize(
    ("who", "where"),
    [
        (None, "/console/login"),
        (Role.ORGANISATION, "/console/"),
        (Role.ORGANISATION, "/console/password"),
        (Role.CITY_COORDINATOR, "/console/projects/{project}"),
        ("stranger", "/console/projects/{project}"),  # the 404 page
    ],
)
def test_console_pages_have_no_critical_accessibility_violation(
    page: Page, world: World, who: Role | str | None, where: str
) -> None:
    target = where.format(project=world.city.project.id)
    if who is None:
        page.goto(target)
    else:
        sign_in(page, world.stranger if who == "stranger" else world.user(Role(who)), at=target)
    assert critical_violations(page) == []
