"""The dev mail catcher: an aiosmtpd server that keeps every mail it receives as an .eml file.

`make run` starts it next to the service so that notices can be read in the console without a real
mail server; the tests and the benchmark run it in a separate process, and it can refuse chosen
addresses with a 550 to show how a permanent failure looks.
"""

import asyncio
import email.policy
import logging
import multiprocessing
import multiprocessing.synchronize
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from service.clock import system_clock
from service.settings import Settings

log = logging.getLogger(__name__)


def catcher_dir(settings: Settings) -> Path:
    return settings.files_dir / "mail-catcher"


class CatchingHandler:
    """Accepts every mail (or counts it only, with no directory); answers 550 for the refused addresses."""

    def __init__(self, directory: Path | None, refuse: Iterable[str] = ()) -> None:
        self.directory = directory
        self.refuse = frozenset(address.lower() for address in refuse)
        self.received = 0
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received += 1
        if self.directory is not None:
            content = envelope.original_content or envelope.content
            assert isinstance(content, bytes)
            name = f"{system_clock():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
            partial = self.directory / f"{name}.part"
            partial.write_bytes(content)
            partial.rename(self.directory / f"{name}.eml")  # listers never see half a file
        return "250 2.0.0 OK: caught"


async def start_catcher(host: str, port: int, handler: CatchingHandler) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, hostname="sanshe-mail-catcher", enable_SMTPUTF8=True, loop=loop), host, port
    )


def run_catcher(
    host: str,
    port: int,
    directory: Path | None,
    refuse: Iterable[str] = (),
    ready: multiprocessing.synchronize.Event | None = None,
) -> None:
    """Serve in the foreground until interrupted."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO

    async def main() -> None:
        server = await start_catcher(host, port, CatchingHandler(directory, refuse))
        log.info("mail catcher listening on %s:%s, keeping mail in %s", host, port, directory)
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class CatcherProcess:
    """The catcher in a separate process that can be stopped and started again on the same port."""

    def __init__(self, directory: Path | None, *, host: str = "127.0.0.1", port: int = 0, refuse: Iterable[str] = ()):
        self.directory = directory
        self.host = host
        self.port = port or free_port(host)
        self.refuse = tuple(refuse)
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self, timeout: float = 20.0) -> None:
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._process = context.Process(
            target=run_catcher, args=(self.host, self.port, self.directory, self.refuse, ready), daemon=True
        )
        self._process.start()
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"mail catcher did not start on {self.host}:{self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(10)
            self._process = None

    def __enter__(self) -> "CatcherProcess":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class CaughtMail:
    """One caught mail as the console lists it, headers decoded."""

    name: str  # the file's name, to open it
    subject: str
    sender: str
    to: str
    date: datetime | None
    message_id: str


def list_caught_mail(directory: Path, *, limit: int = 100) -> list[CaughtMail]:
    """The newest caught mails first, for the console's page of the dev mail catcher."""
    if not directory.is_dir():
        return []
    parser = BytesHeaderParser(policy=email.policy.default)
    caught = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:limit]:
        with path.open("rb") as handle:
            headers = parser.parse(handle)
        caught.append(
            CaughtMail(
                name=path.name,
                subject=str(headers.get("Subject", "")),
                sender=str(headers.get("From", "")),
                to=str(headers.get("To", "")),
                date=_date(headers.get("Date")),
                message_id=str(headers.get("Message-ID", "")),
            )
        )
    return caught


def caught_mail_file(directory: Path, name: str) -> Path | None:
    """The .eml file of one listed mail, for download; only plain names from the listing are accepted."""
    if Path(name).name != name or not name.endswith(".eml"):
        return None
    path = directory / name
    return path if path.is_file() else None


def _date(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
