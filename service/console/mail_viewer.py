"""The dev mail catcher's mails in the console (dev mode, coordinators): the API's caught-mail queries, listed newest
first and each opened with its text decoded, so that the notices a dispatch sent can be read in the browser."""

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse

from models.errors import RoleNotAllowed
from models.input_policy import ONE_LINE
from models.roles import Actor, Role
from service.api.deps import SettingsDep
from service.api.routes.dev_mail import EML_MEDIA_TYPE
from service.console.form_input import PAGE_SIZE, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser
from service.console.templating import PAGE_HEADERS, render
from service.queries.caught_mail import caught_mail, caught_mail_path
from service.settings import Settings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
MAIL_PATH = "/console/mail"
MAX_LISTED = 1000  # as many as `GET /dev/caught-mail` answers at once
MailName = Annotated[str, Path(max_length=255), ONE_LINE]


@dataclass(frozen=True)
class OpenedMail:
    """One caught mail as the page shows it: headers and text decoded, attachments named."""

    subject: str
    sender: str
    to: str
    date: datetime | None
    text: str
    attachments: list[str]


def _coordinator(actor: Actor) -> None:
    if actor.role not in (Role.CITY_COORDINATOR, Role.ADMIN):
        raise RoleNotAllowed("只有市民政局（市级统筹）可以查看开发用邮件捕获服务收到的邮件")


def _dev(settings: Settings) -> bool:
    return settings.mode == "dev"


def open_mail(settings: Settings, name: str) -> OpenedMail:
    """The .eml file the listing names, parsed; the plain-text part (or the HTML one) decoded."""
    path = caught_mail_path(settings, name)
    with path.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain", "html"))
    text = "" if body is None else str(body.get_content())
    attachments = [part.get_filename() or "（未命名附件）" for part in message.iter_attachments()]
    return OpenedMail(
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        date=_sent_at(message.get("Date")),
        text=text,
        attachments=attachments,
    )


def _sent_at(header: object) -> datetime | None:
    try:
        return None if header is None else parsedate_to_datetime(str(header))
    except (TypeError, ValueError):
        return None


@router.get(MAIL_PATH)
def mail_list(
    request: Request,
    settings: SettingsDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    page: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 1,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    _coordinator(actor)
    if not _dev(settings):
        return render(request, "console/mail.html", user=user, dev=False)
    wanted = q.strip()
    mails = caught_mail(settings, limit=MAX_LISTED)
    if wanted:
        mails = [mail for mail in mails if wanted in mail.subject or wanted in mail.to]
    pages = page_count(len(mails))
    return render(
        request,
        "console/mail.html",
        user=user,
        dev=True,
        mails=mails[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(mails),
        page=page,
        pages=pages,
        q=wanted,
    )


@router.get(f"{MAIL_PATH}/{{name}}")
def mail_page(
    request: Request, settings: SettingsDep, user: ConsoleUser, actor: ConsoleActor, name: MailName
) -> Response:
    _coordinator(actor)
    if not _dev(settings):
        return render(request, "console/mail.html", user=user, dev=False)
    return render(request, "console/mail_message.html", user=user, mail_name=name, mail=open_mail(settings, name))


@router.get(f"{MAIL_PATH}/{{name}}/eml")
def mail_download(settings: SettingsDep, user: ConsoleUser, actor: ConsoleActor, name: MailName) -> Response:
    """The .eml file itself, as `GET /dev/caught-mail/{name}` serves it, for a mail program."""
    _coordinator(actor)
    if not _dev(settings):
        raise RoleNotAllowed("只有开发模式（SANSHE_MODE=dev）提供邮件捕获服务")
    return FileResponse(
        caught_mail_path(settings, name), media_type=EML_MEDIA_TYPE, filename=name, headers=PAGE_HEADERS
    )
