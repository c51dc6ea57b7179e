"""The console's routes in one place, mounted by `service.app` beside the API."""

from fastapi import APIRouter

from models.errors import OutOfScope
from service.console import (
    accounts_page,
    bulletins_page,
    calendar_page,
    clock_page,
    credit_page,
    dashboard,
    expert_inbox,
    experts_page,
    import_page,
    mail_viewer,
    node_page,
    notices_page,
    organisations_page,
    overdue_list,
    places_page,
    project_list,
    project_page,
    reference_index,
    sign_in,
    social_workers_page,
    work_list,
)
from service.console.refusals import ConsoleRoute

_unknown = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@_unknown.get("/console/{rest:path}")
def unknown_page(rest: str) -> None:
    """Any other console address: a page in Chinese, not the API's problem details."""
    raise OutOfScope("页面不存在，请从“我的待办”重新进入")


def console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (
        sign_in,
        work_list,
        project_page,
        dashboard,
        expert_inbox,
        node_page,
        clock_page,
        mail_viewer,
        overdue_list,
        bulletins_page,
        notices_page,
        project_list,
        reference_index,
        places_page,
        accounts_page,
        calendar_page,
        organisations_page,
        social_workers_page,
        experts_page,
        credit_page,
        import_page,
    ):
        router.include_router(module.router)
    router.include_router(_unknown)  # last: only what no page above answers
    return router
