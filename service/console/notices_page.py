"""邮件通知: the outbox as the coordinator reads it (GET /notices's query), filtered and paged; a failed notice is
sent again (POST /notices/{id}/requeue's use case) once its recipient's address is fixed where it is kept."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.dates import SHANGHAI
from models.errors import RoleNotAllowed
from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Actor, Role
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.commands.notices import STATUS_ZH, requeue_notice
from service.console.form_input import PAGE_SIZE, PageNumber, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.mail.rendering import UnrenderableNotice, render_notice
from service.queries.notice_addressees import Holder, notice_addressee
from service.queries.notices import NOTICE_KINDS, NoticeFilter, NoticePublic, list_notices

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NOTICES_PATH = "/console/notices"
READERS = frozenset({Role.CITY_COORDINATOR, Role.ADMIN})  # as GET /notices lets them read the outbox
# Where each holder's address is corrected (the reference pages).
EDIT_PATHS = {
    Holder.REGION: "/console/places/{id}",
    Holder.ORGANISATION: "/console/organisations/{id}",
    Holder.EXPERT: "/console/experts/{id}",
}
FILTER_FIELDS = ("status", "kind", "recipient", "since", "until")


@dataclass(frozen=True)
class NoticeRow:
    """One notice as the list shows it: its words, its kind, and for a failure where to fix the address."""

    notice: NoticePublic
    subject: str
    kind: str
    status_label: str
    edit_url: str | None
    current_address: str | None  # the address a resend goes to, when it differs from the one tried


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise RoleNotAllowed("只有市民政局（市级统筹）可以查看邮件通知的发送情况")


def _day(value: str | None) -> date | None:
    """A date field's value; anything else is no filter, not an error page."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), SHANGHAI) if day is not None else None


def _subject(stored: OutboxMessage | None, public_url: str) -> str:
    """The mail's subject as the dispatcher writes it (one row's words, for a row of a digest too)."""
    if stored is None:
        return "—"
    try:
        rendered = render_notice(
            stored.template, [stored.params], recipient_name=stored.recipient_name, public_url=public_url
        )
    except UnrenderableNotice as exc:
        return f"（无法生成邮件：{exc}）"
    return rendered.subject


def _row(session: Session, notice: NoticePublic, public_url: str) -> NoticeRow:
    edit_url = current = None
    stored = session.get(OutboxMessage, notice.id)  # in the session already: the list just read it
    if notice.status is OutboxStatus.FAILED:
        addressee = notice_addressee(session, stored) if stored is not None else None
        if addressee is not None:
            if addressee.holder_id is not None:
                edit_url = EDIT_PATHS[addressee.holder].format(id=addressee.holder_id)
            if addressee.recipient.address != notice.recipient_address:
                current = addressee.recipient.address or "（仍未填写）"
    return NoticeRow(
        notice=notice,
        subject=_subject(stored, public_url),
        kind=NOTICE_KINDS.get(notice.template, notice.template),
        status_label=STATUS_ZH[notice.status],
        edit_url=edit_url,
        current_address=current,
    )


@router.get(NOTICES_PATH)
def notices_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    status: Annotated[str | None, Query(max_length=12)] = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    recipient: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: PageNumber = 1,
    resent: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    _reader(actor)
    first, last = _day(since), _day(until)
    chosen_status = OutboxStatus(status) if status in set(OutboxStatus) else None
    filters = NoticeFilter(
        status=chosen_status,
        templates=(kind,) if kind in NOTICE_KINDS else (),
        recipient=(recipient or "").strip() or None,
        since=_start_of(first),
        before=_start_of(last + timedelta(days=1)) if last is not None else None,
    )
    found = list_notices(session, actor=actor, notices=filters, page=page, page_size=PAGE_SIZE)
    chosen = {
        "status": chosen_status.value if chosen_status else "",
        "kind": kind if kind in NOTICE_KINDS else "",
        "recipient": filters.recipient or "",
        "since": first.isoformat() if first else "",
        "until": last.isoformat() if last else "",
    }
    return render(
        request,
        "console/notices.html",
        user=user,
        rows=[_row(session, notice, settings.public_url) for notice in found.items],
        total=found.total,
        statuses=STATUS_ZH,
        kinds=NOTICE_KINDS,
        chosen=chosen,
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
        resent=resent,
    )


@router.post(NOTICES_PATH + "/{notice_id}/requeue", dependencies=[CsrfChecked])
def resend_notice(
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    notice_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    back: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """POST /notices/{id}/requeue's use case: back to the queue, addressed as the recipient's register holds now."""
    requeue_notice(session, notice_id=notice_id, actor=actor, now=now)
    kept = {k: v for k, v in _back_query(back).items() if k in FILTER_FIELDS}
    return RedirectResponse(f"{NOTICES_PATH}?{urlencode({**kept, 'resent': notice_id})}", status_code=303)


def _back_query(back: str) -> dict[str, str]:
    """The list's filters the form came from (only its own fields, never an address elsewhere)."""
    return dict(parse_qsl(back, keep_blank_values=False))
