"""Every resource's router under /api/v1, each answering errors as problem details."""

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

api_router = APIRouter(responses=problem_responses(401, 403, 404, 409, 422))
for module in (
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
    dev_mail,
    imports,
    actions,
    audit,  # the generic /{resource}/… routes last
):
    api_router.include_router(module.router)
