"""项目列表: the projects of the reader's scope, filtered and paged by the API's own list query."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from models.dates import shanghai_date
from models.lifecycles import PROJECT
from service.api.deps import ClockDep, SessionDep
from service.console.form_input import PAGE_SIZE, PageNumber, chosen_id, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser
from service.console.templating import render
from service.queries.projects import ProjectFilters, list_projects, project_list_choices

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PROJECT_LIST_PATH = "/console/projects"


@router.get(PROJECT_LIST_PATH)
def project_list(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    state: Annotated[str | None, Query(max_length=40)] = None,
    district: Annotated[str | None, Query(max_length=12)] = None,
    street: Annotated[str | None, Query(max_length=12)] = None,
    organisation: Annotated[str | None, Query(max_length=12)] = None,
    title: Annotated[str | None, Query(max_length=100)] = None,
    page: PageNumber = 1,
) -> Response:
    title = (title or "").strip()
    state = state if state in PROJECT.states else ""
    filters = ProjectFilters(
        district_id=chosen_id(district),
        street_id=chosen_id(street),
        organisation_id=chosen_id(organisation),
        states=(state,) if state else (),
        title_contains=title or None,
    )
    found = list_projects(
        session, actor=actor, filters=filters, sort="-id", page=page, page_size=PAGE_SIZE, today=shanghai_date(now)
    )
    chosen = {
        "state": state,
        "district": district or "",
        "street": street or "",
        "organisation": organisation or "",
        "title": title,
    }
    return render(
        request,
        "console/project_list.html",
        user=user,
        found=found,
        states=list(PROJECT.states.items()),
        choices=project_list_choices(session, actor=actor),
        chosen=chosen,
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
    )
