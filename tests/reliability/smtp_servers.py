"""SMTP servers for fault tests: aiosmtpd in a process of its own that records every mail it is given.

Each mail's Message-ID, envelope recipient and the nodes its text lists are appended to a JSON-lines
file the test reads, so a mail sent twice, or a digest split over two mails, shows in the record. The
server can slow every reply, hold its reply to the N-th mail (after storing it) so that the dispatcher
can be killed while waiting, and gate the first mails until several connections wait at once, which
proves that two dispatchers were sending at the same time.
"""

import asyncio
import email
import email.policy
import json
import logging
import multiprocessing
import multiprocessing.process
import multiprocessing.synchronize
import re
import time
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from service.mail.catcher import free_port

NODE_LINE = re.compile(r"节点：节点(\d+)")  # a digest lists each late node as "节点：节点<id>"


@dataclass(frozen=True)
class ServerBehaviour:
    """What the server does besides recording; picklable, for the server's process."""

    records: Path  # JSON lines, one per mail stored
    reply_delay_seconds: float = 0.0  # before every 250 to DATA
    hold_at: int | None = None  # the N-th mail (1-based) is stored, then its 250 waits `hold_seconds`
    hold_seconds: float = 0.0
    gate_sessions: int = 0  # the first MAIL commands wait until this many wait together (0: no gate)
    gate_timeout_seconds: float = 8.0

    @property
    def holding(self) -> Path:
        """Exists while the server holds back the reply to the `hold_at`-th mail."""
        return self.records.with_suffix(".holding")

    @property
    def gate(self) -> Path:
        """Written when the gate opens: how many connections waited at it, or that it timed out."""
        return self.records.with_suffix(".gate")


@dataclass(frozen=True)
class Received:
    message_id: str
    recipient: str
    nodes: tuple[int, ...]  # the late nodes a digest lists; empty for a single notice


class RecordingHandler:
    """Stores each mail's identity before answering; the test reads the record, never the server's memory."""

    def __init__(self, behaviour: ServerBehaviour) -> None:
        self.behaviour = behaviour
        self.count = 0
        self.waiting = 0
        self.opened = asyncio.Event()
        if behaviour.gate_sessions <= 0:
            self.opened.set()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if not self.opened.is_set():
            self.waiting += 1
            if self.waiting >= self.behaviour.gate_sessions:
                self.behaviour.gate.write_text(f"opened {self.waiting}")
                self.opened.set()
            else:
                try:
                    await asyncio.wait_for(self.opened.wait(), self.behaviour.gate_timeout_seconds)
                except TimeoutError:
                    if not self.opened.is_set():
                        self.behaviour.gate.write_text(f"timeout {self.waiting}")
                        self.opened.set()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        text = message.get_body(("plain",))
        nodes = NODE_LINE.findall(str(text.get_content())) if text is not None else []
        line = {
            "message_id": str(message["Message-ID"]),
            "recipient": envelope.rcpt_tos[0].lower(),
            "nodes": [int(node) for node in nodes],
            "at": time.time(),
        }
        with self.behaviour.records.open("a", encoding="utf-8") as records:
            records.write(json.dumps(line) + "\n")
        self.count += 1
        if self.count == self.behaviour.hold_at:
            self.behaviour.holding.touch()
            await asyncio.sleep(self.behaviour.hold_seconds)
            self.behaviour.holding.unlink(missing_ok=True)
        elif self.behaviour.reply_delay_seconds:
            await asyncio.sleep(self.behaviour.reply_delay_seconds)
        return "250 2.0.0 OK: recorded"


def serve(host: str, port: int, behaviour: ServerBehaviour, ready: multiprocessing.synchronize.Event) -> None:
    """The server process's body: serve until terminated."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = RecordingHandler(behaviour)
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="reliability-smtp", enable_SMTPUTF8=True, loop=loop), host, port
        )
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class RecordingServer:
    """The recording server in a separate process on a free port of 127.0.0.1; stop() is safe to call twice."""

    def __init__(self, behaviour: ServerBehaviour, *, host: str = "127.0.0.1") -> None:
        self.behaviour = behaviour
        self.host = host
        self.port = free_port(host)
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self, timeout: float = 20.0) -> "RecordingServer":
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._process = context.Process(target=serve, args=(self.host, self.port, self.behaviour, ready), daemon=True)
        self._process.start()
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"recording SMTP server did not start on {self.host}:{self.port}")
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(10)
            self._process = None

    def __enter__(self) -> "RecordingServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def received(self) -> list[Received]:
        return received(self.behaviour.records)

    def wait_until_holding(self, timeout: float) -> None:
        """Until the held mail has been stored and its reply is being withheld."""
        deadline = time.monotonic() + timeout
        while not self.behaviour.holding.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server never reached mail {self.behaviour.hold_at}")
            time.sleep(0.02)


def received(records: Path) -> list[Received]:
    """Every mail the server stored, in order."""
    if not records.exists():
        return []
    found = []
    for line in records.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # the server is writing this one right now
        values = json.loads(line)
        found.append(Received(values["message_id"], values["recipient"], tuple(values["nodes"])))
    return found


def sent_twice(mails: list[Received]) -> dict[str, int]:
    """Message-IDs the server stored more than once, with how often."""
    return {message_id: n for message_id, n in Counter(m.message_id for m in mails).items() if n > 1}
