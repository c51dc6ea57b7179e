"""通报: the published node-completion bulletins of the reader's programmes, downloaded as .xlsx, and published on
demand by the coordinator (the API's bulletin use cases)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from models.authority import roles_for
from models.dates import shanghai_date
from models.errors import RoleNotAllowed
from models.lifecycles import BULLETIN_REGISTER
from models.roles import Actor, Role
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.commands.bulletins import PUBLISH, BulletinCreate, publish_on_demand
from service.console.form_input import PAGE_SIZE, PageNumber, page_count
from service.console.refusals import ConsoleRoute, error_page
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import is_htmx, render
from service.files import download
from service.queries.bulletins import (
    BULLETIN_READERS,
    bulletin_download,
    list_bulletins,
    programmes_in_scope,
    publishable_quarters,
)

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
BULLETINS_PATH = "/console/bulletins"
READERS = frozenset({*BULLETIN_READERS, Role.ADMIN})  # as GET /bulletins lets them read


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise RoleNotAllowed("只有市民政局、区民政局和街道办事处可以查看节点工作完成情况通报")


def _chosen(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get(BULLETINS_PATH)
def bulletins_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    programme: Annotated[str | None, Query(max_length=12)] = None,
    page: PageNumber = 1,
    published: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    _reader(actor)
    programmes = programmes_in_scope(session, actor=actor)
    chosen = _chosen(programme)
    found = list_bulletins(session, actor=actor, programme_id=chosen, files_dir=settings.files_dir)
    pages = page_count(len(found))
    today = shanghai_date(now)
    may_publish = actor.role in roles_for(BULLETIN_REGISTER, PUBLISH)
    names = {p.id: p.name for p in programmes}
    return render(
        request,
        "console/bulletins.html",
        user=user,
        bulletins=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(found),
        names=names,
        programmes=programmes,
        chosen=chosen,
        quarters={p.id: publishable_quarters(p, today) for p in programmes} if may_publish else {},
        may_publish=may_publish,
        published=next((b for b in found if f"{b.programme_id}/{b.period}" == published), None),
        page=page,
        pages=pages,
        query=urlencode({"programme": chosen or ""}),
        today=today,
    )


@router.get(BULLETINS_PATH + "/{programme_id}/{period}")
def bulletin_file(
    session: SessionDep,
    settings: SettingsDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    programme_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    period: Annotated[str, Path(max_length=40)],
) -> Response:
    """The workbook, as GET /bulletins/{programme_id}/{period} gives it."""
    _reader(actor)
    content, filename = bulletin_download(
        session, actor=actor, programme_id=programme_id, period=period, files_dir=settings.files_dir
    )
    return download(content, filename=filename)


@router.post(BULLETINS_PATH, dependencies=[CsrfChecked])
def publish_bulletin_now(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    programme_id: Annotated[str, Form(max_length=12)] = "",
    period: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """POST /bulletins's use case (`publish_on_demand`): role, scope and period are checked there."""
    chosen = _chosen(programme_id)
    if chosen is None or not period.strip():
        return error_page(request, status=422, message="请选择试点批次和通报期间")
    try:
        data = BulletinCreate(programme_id=chosen, period=period)
    except ValidationError:
        return error_page(request, status=422, message="通报期间填写不正确，请从列表中选择")
    bulletin = publish_on_demand(session, data=data, actor=actor, now=now, files_dir=settings.files_dir)
    target = f"{BULLETINS_PATH}?{urlencode({'programme': chosen, 'published': f'{chosen}/{bulletin.period}'})}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
