"""A real SMTP server (the dev mail catcher, aiosmtpd) in a separate process, shared by the mail tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.mail.catcher import CatcherProcess

REFUSED = "refused@example.cn"  # the catcher answers 550 for this address


@pytest.fixture(scope="session")
def catcher_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatcherProcess]:
    with CatcherProcess(tmp_path_factory.mktemp("mail-catcher"), refuse=[REFUSED]) as process:
        yield process


@pytest.fixture
def catcher(catcher_process: CatcherProcess) -> CatcherProcess:
    """The shared catcher with an empty mailbox.

    Message-IDs follow database ids, and SQLite hands out again the ids of a rolled-back test, so mail
    caught for earlier tests is filed away first.
    """
    directory = catcher_process.directory
    assert directory is not None
    earlier = directory.parent / f"{directory.name}-earlier"
    earlier.mkdir(exist_ok=True)
    for path in directory.glob("*.eml"):
        path.rename(earlier / path.name)
    return catcher_process


@pytest.fixture
def own_catcher(tmp_path: Path) -> Iterator[CatcherProcess]:
    """A catcher of the test's own, to stop and start again (the outage test)."""
    process = CatcherProcess(tmp_path / "caught", refuse=[REFUSED])
    process.start()
    yield process
    process.stop()
