"""Rendering a console page: the templates, their filters, and the headers and CSRF cookie every page carries."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from models.roles import ROLE_LABELS_ZH
from models.user import User
from service.console.formatting import FILTERS
from service.console.session import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, csrf_token, new_browser_key, set_browser_key
from service.mail.outage import MailServerStatus
from service.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.auto_reload = False  # the templates ship with the code: no stat of each file on every page
templates.env.filters.update(FILTERS)
# Pages hold personal data and action buttons: never cached, never framed by another site.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    name: str,
    *,
    user: User | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page with this browser's CSRF token (a new browser gets its key cookie here) and the signed-in user."""
    settings: Settings = request.app.state.settings
    key = request.cookies.get(CSRF_COOKIE)
    fresh = key is None
    key = key or new_browser_key()
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "role_label": ROLE_LABELS_ZH[user.role] if user is not None else None,
            "csrf_field": CSRF_FIELD,
            "csrf_header": CSRF_HEADER,
            "csrf_token": csrf_token(settings, key),
            "mail_outage": _mail_outage(request),
            **context,
        },
        status_code=status,
        headers={**PAGE_HEADERS, **(headers or {})},
    )
    if fresh:
        set_browser_key(response, settings, key)
    return response


def _mail_outage(request: Request) -> MailServerStatus | None:
    """An open mail server outage, for those who watch the mail (`console_user` reads it, as /health does)."""
    status: MailServerStatus | None = getattr(request.state, "mail_status", None)
    return status if status is not None and status.since is not None else None
