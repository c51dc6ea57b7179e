"""An API client per test, on the test's own connection and transaction (rolled back at the end)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.factories import DECLARATION_DAY
from tests.service.api.builders import Api, api_on


@pytest.fixture
def api(session: Session, tmp_path: Path) -> Iterator[Api]:
    with api_on(session.connection(), tmp_path / "files", DECLARATION_DAY) as built:
        yield built


@pytest.fixture
def dev_api(session: Session, tmp_path: Path) -> Iterator[Api]:
    """The app in dev mode, with the dev-only routes (the mail catcher's)."""
    with api_on(session.connection(), tmp_path / "files", DECLARATION_DAY, mode="dev") as built:
        yield built
