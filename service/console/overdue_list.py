"""逾期节点: the overdue node reports of the reader's scope, filtered, paged and downloadable as .xlsx."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from models.dates import shanghai_date
from service.api.deps import ClockDep, SessionDep
from service.api.xlsx import xlsx_response
from service.console.form_input import PAGE_SIZE, PageNumber, chosen_id, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser
from service.console.templating import render
from service.excel.exporting import export_rows
from service.queries.overdue import EXPORT_COLUMNS, OverdueFilter, all_overdue_nodes, overdue_choices, overdue_nodes

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
OVERDUE_PATH = "/console/overdue"


@router.get(OVERDUE_PATH)
def overdue_list(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    district: Annotated[str | None, Query(max_length=12)] = None,
    rung: Annotated[str | None, Query(max_length=40)] = None,
    programme: Annotated[str | None, Query(max_length=12)] = None,
    page: PageNumber = 1,
    format: Annotated[str | None, Query(pattern="^xlsx$")] = None,
) -> Response:
    today = shanghai_date(now)
    filters = OverdueFilter(district_id=chosen_id(district), rung_code=rung or None, programme_id=chosen_id(programme))
    if format == "xlsx":
        rows = all_overdue_nodes(session, actor=actor, today=today, filters=filters)
        return xlsx_response(
            export_rows("逾期节点", EXPORT_COLUMNS, (r.model_dump() for r in rows)), filename="逾期节点"
        )
    found = overdue_nodes(session, actor=actor, today=today, filters=filters, page=page, page_size=PAGE_SIZE)
    query = {"district": district or "", "rung": rung or "", "programme": programme or ""}
    return render(
        request,
        "console/overdue.html",
        user=user,
        found=found,
        today=today,
        choices=overdue_choices(session, actor=actor, today=today),
        chosen=query,
        page=page,
        pages=page_count(found.total),
        query=urlencode(query),
    )
