"""我的待办: what waits for the signed-in user, soonest due first, from the API's own work-list query."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from models.dates import shanghai_date
from service.api.deps import ClockDep, SessionDep
from service.console.form_input import PAGE_SIZE, PageNumber, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import HOME_PATH, ConsoleActor, ConsoleUser
from service.console.templating import render
from service.queries.nodes import my_open_nodes, work_states
from service.queries.projects import project_titles

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get(HOME_PATH)
def my_work(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    page: PageNumber = 1,
    changed: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    today = shanghai_date(now)
    work = my_open_nodes(session, actor=actor, programme_id=None, today=today, page=page, page_size=PAGE_SIZE)
    listed = {node.project_id for node in work.items}
    titles = project_titles(session, actor=actor, project_ids=listed)
    for project_id in listed - set(titles):  # a node is listed only when its project is seen; kept safe all the same
        titles[project_id] = f"项目 {project_id}"
    pages = page_count(work.total)
    return render(
        request,
        "console/my_work.html",
        user=user,
        work=work,
        titles=titles,
        today=today,
        page=page,
        pages=pages,
        watching=not work_states(actor.role),  # no step of its own: every open node of its area
        changed=bool(changed),
    )
