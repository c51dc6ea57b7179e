"""Request bodies bounded before they are read: a declared Content-Length past the limit is refused at once,
and a body sent in chunks is counted as it arrives and refused when it passes the limit."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem_response
from service.files import MIB, OTHER_REQUEST_BYTES, UPLOAD_REQUEST_BYTES


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing passes it on instead of answering 400."""

    def __init__(self, *, code: str, detail: str) -> None:
        super().__init__(413, detail)
        self.code = code


def _refusal(scope: Scope) -> tuple[int, BodyTooLarge]:
    """The limit of this request's body and the refusal past it: uploads (multipart forms) and all others."""
    if Headers(scope=scope).get("content-type", "").lower().startswith("multipart/form-data"):
        detail = f"上传的请求超过 {UPLOAD_REQUEST_BYTES // MIB} MB 的上限（每类文件另有各自的上限）"
        return UPLOAD_REQUEST_BYTES, BodyTooLarge(code="upload_too_large", detail=detail)
    detail = f"请求内容超过 {OTHER_REQUEST_BYTES // MIB} MB 的上限"
    return OTHER_REQUEST_BYTES, BodyTooLarge(code="body_too_large", detail=detail)


class BodyLimit:
    """Pure ASGI, so that nothing upstream has read (or spooled to disk) the body before it is counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refusal = _refusal(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(Request(scope), refusal)(scope, receive, send)
            return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise refusal
            return message

        await self.app(scope, bounded_receive, send)


def _answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge)
    return problem_response(request, status=413, code=exc.code, detail=exc.detail)


def install_body_limit(app: FastAPI) -> None:
    """The middleware, and the answer for a body found too large while the route was reading it."""
    app.add_middleware(BodyLimit)
    app.add_exception_handler(BodyTooLarge, _answer)
