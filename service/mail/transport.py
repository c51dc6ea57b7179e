"""Sending over a few reused aiosmtplib connections, with a timeout on every call.

Each failure is sorted once: unreachable (no connection or greeting: the server is down, the mail not
refused), transient (a connection lost mid-conversation, 4xx) retried later, permanent (5xx for the
recipient or the content) not retried. A refused sender is a configuration fault, not the notice's:
transient too, so fixing the settings lets the notices go; a refused login, met while connecting, counts
as unreachable and uses no attempt.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeVar

import aiosmtplib

from service.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool = False
    implicit_tls: bool = False
    user: str | None = None
    password: str | None = None
    timeout_seconds: float = 10.0
    local_hostname: str = "sanshe.local"

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpConfig":
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_implicit_tls,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )


@dataclass(frozen=True)
class SendFailure:
    permanent: bool
    error: str  # shown to the coordinator next to the notice
    unreachable: bool = False  # no connection could be opened: the server is down, not this mail refused
    lost: bool = False  # the connection broke mid-conversation (the server was reached)


@dataclass(frozen=True)
class Envelope:
    data: bytes  # the serialised message
    sender: str
    recipient: str


class SmtpPool:
    """Up to `size` connections, opened on first use and kept across batches; one mail at a time on each."""

    def __init__(self, config: SmtpConfig, *, size: int = 4) -> None:
        self.config = config
        self.size = size
        self._clients: list[aiosmtplib.SMTP] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        for client in self._clients:
            if client.is_connected:
                try:
                    await client.quit(timeout=self.config.timeout_seconds)
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
        self._clients = []

    async def send_all(
        self,
        items: Sequence[T],
        build: Callable[[T], Envelope | SendFailure],
        on_result: Callable[[int, SendFailure | None], None] | None = None,
    ) -> list[SendFailure | None]:
        """Build and send each item's mail; the result at index i is None when item i was accepted.

        Each mail is built by the connection that sends it, just before sending, so that building the
        next mail overlaps the server's work on the previous one. `on_result(i, result)` is called as soon
        as item i's outcome is known, before the next mail goes on that connection.
        """
        results: list[SendFailure | None] = [None] * len(items)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(items)):
            queue.put_nowait(index)
        unreachable: list[SendFailure] = []  # once a connection cannot be opened, the rest wait for next time
        while len(self._clients) < self.size:
            self._clients.append(self._new_client())

        def done(index: int, result: SendFailure | None) -> None:
            results[index] = result
            if on_result is not None:
                on_result(index, result)

        async def work(client: aiosmtplib.SMTP) -> None:
            while not queue.empty():
                index = queue.get_nowait()
                envelope = build(items[index])
                if isinstance(envelope, SendFailure):
                    done(index, envelope)
                    continue
                if unreachable:
                    done(index, unreachable[0])
                    continue
                kept = client.is_connected
                if not kept:
                    failure = await self._connect(client)
                    if failure is not None:
                        unreachable.append(failure)
                        done(index, failure)
                        continue
                result = await self._send(client, envelope)
                if kept and result is not None and result.lost:
                    # A kept connection the server has dropped since: open a new one before blaming the mail.
                    failure = await self._connect(client)
                    if failure is not None:
                        unreachable.append(failure)
                        done(index, failure)
                        continue
                    result = await self._send(client, envelope)
                done(index, result)

        await asyncio.gather(*(work(client) for client in self._clients[: max(1, len(items))]))
        return results

    def _new_client(self) -> aiosmtplib.SMTP:
        config = self.config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.user,
            password=config.password,
            use_tls=config.implicit_tls,
            start_tls=config.starttls if not config.implicit_tls else False,
            timeout=config.timeout_seconds,
            local_hostname=config.local_hostname,
        )

    async def _connect(self, client: aiosmtplib.SMTP) -> SendFailure | None:
        try:
            await client.connect(timeout=self.config.timeout_seconds)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            log.warning("SMTP server %s:%s unreachable: %s", self.config.host, self.config.port, exc)
            where = f"{self.config.host}:{self.config.port}"
            return SendFailure(False, f"邮件服务器 {where} 无法连接：{exc}", unreachable=True)
        return None

    async def _send(self, client: aiosmtplib.SMTP, envelope: Envelope) -> SendFailure | None:
        try:
            errors, _ = await client.sendmail(
                envelope.sender, [envelope.recipient], envelope.data, timeout=self.config.timeout_seconds
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return SendFailure(refused.code >= 500, f"收件地址被拒绝（{refused.code} {refused.message}）")
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPAuthenticationError) as exc:
            return SendFailure(False, f"发件设置被拒绝（{exc.code} {exc.message}），请检查 SMTP 设置")
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:  # the server is closing this connection
                client.close()
            return SendFailure(exc.code >= 500, f"邮件服务器拒绝（{exc.code} {exc.message}）")
        except ValueError as exc:  # aiosmtplib's own address check: no server would take it
            return SendFailure(True, f"收件地址无法发送：{exc}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()  # lost or timed out mid-conversation: start clean on the next mail
            return SendFailure(False, f"发送中断：{type(exc).__name__}: {exc}", lost=True)
        if errors:  # one recipient per mail, so a partial refusal cannot happen; say so if it does
            code, text = next(iter(errors.values()))
            return SendFailure(code >= 500, f"收件地址被拒绝（{code} {text}）")
        return None
