"""An SMTP server (aiosmtpd, in its own process) that greets and then answers every recipient 451: reached, refusing."""

import asyncio
import multiprocessing
import multiprocessing.synchronize
from types import TracebackType
from typing import Self

from aiosmtpd.smtp import SMTP, Envelope, Session

from service.mail.catcher import free_port, start_catcher


class DeferringHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        return "451 4.3.0 try again later"


def _serve(host: str, port: int, ready: multiprocessing.synchronize.Event) -> None:
    async def main() -> None:
        server = await start_catcher(host, port, DeferringHandler())  # type: ignore[arg-type]
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class DeferringServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port(host)
        self._process: multiprocessing.process.BaseProcess | None = None

    def __enter__(self) -> Self:
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._process = context.Process(target=_serve, args=(self.host, self.port, ready), daemon=True)
        self._process.start()
        if not ready.wait(20):
            raise RuntimeError("deferring SMTP server did not start")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.join(10)
