"""What a console page shows when a use case refuses: a zh-CN page (or, for htmx, a message in the page's alert
region) instead of the API's problem details, and the sign-in page when there is no session."""

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from models.authority import roles_for
from models.errors import DomainError, RoleNotAllowed
from models.roles import Actor, Role
from service.console.session import LOGIN_PATH, PASSWORD_PATH, PasswordChangeOwed, SignInRequired
from service.console.templating import is_htmx, render

TITLES = {
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    409: "内容已被他人修改",
    422: "提交的内容有误",
    429: "请稍后再试",
}


def error_page(request: Request, *, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The refusal in words; for an htmx request, just the message, swapped into the page's alert region."""
    title = TITLES.get(status, "操作未能完成")
    if is_htmx(request):
        hx = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", **(headers or {})}
        return render(request, "console/_flash.html", status=status, headers=hx, error=message, stale=status == 409)
    user = getattr(request.state, "console_user", None)
    return render(
        request, "console/error.html", user=user, status=status, headers=headers, title=title, message=message
    )


def _go(request: Request, path: str) -> Response:
    """A redirect a browser follows, or htmx's own header for one, which reloads the whole page."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)


class ConsoleRoute(APIRoute):
    """Every console route: refusals become pages, a missing session the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return _go(request, f"{LOGIN_PATH}?next={quote(back, safe='')}")
            except PasswordChangeOwed:
                return _go(request, PASSWORD_PATH)
            except DomainError as exc:
                headers = getattr(exc, "headers", None)
                return error_page(request, status=exc.status, message=exc.message, headers=headers)
            except RequestValidationError:
                return error_page(request, status=422, message="请求的地址或填写的内容不符合要求，请检查后重试。")

        return handle


def require_reader(actor: Actor, roles: tuple[Role, ...], what: str) -> None:
    """The API's `require_roles` of a register's read routes, said as a page (the administrator reads everything)."""
    if actor.role not in roles and actor.role is not Role.ADMIN:
        raise RoleNotAllowed(f"您的角色无权查看{what}")


def may(actor: Actor, subject: Any, action: str) -> bool:
    """Whether to offer an action's button: the roles its declaration names (the use case checks again)."""
    return actor.role in roles_for(subject, action)
