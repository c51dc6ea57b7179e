"""Unhandled errors answered as a problem here, inside the app, so that the server keeps the connection open.

Starlette's outermost error layer answers them too, but then re-raises to the server, and uvicorn closes a
connection whose answer has started: a client's next request on that kept-alive connection would fail.
"""

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import unexpected_error


class UnhandledErrors:
    """Pure ASGI: log the traceback and answer 500 as a problem, without passing the error on to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception as exc:
            if started:  # half an answer cannot be taken back: the server has to close this connection
                raise
            response = unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


def install_unhandled_errors(app: FastAPI) -> None:
    """Inside the security headers, so that the 500 carries them like every other answer."""
    app.add_middleware(UnhandledErrors)
