"""`sanshe serve`'s workers share a listener whose accepted connections have Nagle's algorithm off."""

import asyncio
import socket

import uvicorn

from service.cli.workers import APP, tcp_listener
from service.mail.catcher import free_port


def nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection accepted by an asyncio server on `listener`, as uvicorn's workers serve."""

    async def accept_one() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Report(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Report, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(accepted, timeout=10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(accept_one())


def workers_config() -> uvicorn.Config:
    return uvicorn.Config(APP, factory=True, workers=2, host="127.0.0.1", port=free_port())


def test_a_connection_the_workers_accept_has_nagle_off() -> None:
    """Guards `tcp_listener`: without it each keep-alive request after the first waits ~40 ms for a delayed ACK."""
    assert nodelay_of_accepted(tcp_listener(workers_config())) == 1


def test_uvicorns_own_listener_still_leaves_nagle_on() -> None:
    """Why `tcp_listener` exists (Kludex/uvicorn#3149): when this fails, uvicorn binds its listener as TCP itself
    and `service.cli.workers` can hand `uvicorn.run` the workers again."""
    assert nodelay_of_accepted(workers_config().bind_socket()) == 0
