"""Every resource's router under /api/v1, each answering errors as problem details; dev-only ones in dev mode only."""

from fastapi import APIRouter

from service.api.problems import problem_responses
from service.api.routes import (
    actions,
    audit,
    bulletins,
    calendar,
    clock,
    credit_records,
    dev_mail,
    experts,
    imports,
    login,
    nodes,
    notices,
    organisations,
    programmes,
    projects,
    regions,
    review_assignments,
    social_workers,
    users,
)

API_PREFIX = "/api/v1"
RESOURCES = (
    login,
    users,
    clock,
    regions,
    programmes,
    organisations,
    social_workers,
    credit_records,
    experts,
    projects,
    nodes,
    review_assignments,
    calendar,
    bulletins,
    notices,
    imports,
    actions,
    audit,  # the generic /{resource}/… routes last
)
DEV_ONLY = (dev_mail,)


def api_router(*, dev: bool) -> APIRouter:
    """Built per app: a production app has no dev-only route, nor its entry in the OpenAPI document."""
    router = APIRouter(responses=problem_responses(401, 403, 404, 409, 422))
    for module in (*DEV_ONLY, *RESOURCES) if dev else RESOURCES:  # before the generic /{resource}/… routes
        router.include_router(module.router)
    return router
