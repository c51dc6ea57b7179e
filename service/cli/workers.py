"""`sanshe serve` with several uvicorn workers, over a listening socket whose connections get TCP_NODELAY.

asyncio turns Nagle's algorithm off on an accepted connection only when its socket says it is TCP
(`proto == IPPROTO_TCP`), and an accepted socket takes `proto` from its listener. uvicorn 0.54 binds the workers'
shared listener with `proto` left at 0 (Kludex/uvicorn#3149), so with more than one worker every keep-alive request
after the first waited about 40 ms for the client's delayed ACK between the headers and the body. Here the bound
socket is wrapped again as TCP before uvicorn's supervisor hands it to the workers (multiprocessing keeps `proto`).
"""

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "service.app:create_app"


def tcp_listener(config: uvicorn.Config) -> socket.socket:
    """uvicorn's bound socket for `config`, the same descriptor wrapped as a TCP socket."""
    bound = config.bind_socket()
    if bound.family not in (socket.AF_INET, socket.AF_INET6):
        return bound  # a Unix socket has no Nagle algorithm to turn off
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


def serve_workers(count: int, *, host: str, port: int) -> None:
    """What `uvicorn.run(APP, factory=True, workers=count)` does, over `tcp_listener`'s socket."""
    config = uvicorn.Config(APP, factory=True, workers=count, host=host, port=port)
    Multiprocess(config, sockets=[tcp_listener(config)]).run()
