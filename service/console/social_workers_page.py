"""社会工作者: the register's list filtered by name, employer and qualification, and each worker's page, corrected
there through the same use case as PATCH /social-workers."""

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from sqlmodel import Session

from models.lifecycles import SOCIAL_WORKER_REGISTER
from models.roles import Actor
from models.social_worker import Qualification
from service.commands.registers import SocialWorkerUpdate, update_social_worker
from service.console.form_input import PAGE_SIZE, FormText, words
from service.console.register_pages import ListFilters, Listing, Register, register_router
from service.excel import kinds
from service.excel.cells import QUALIFICATION_LABELS_ZH
from service.queries.parties import (
    ORGANISATION_READERS,
    SocialWorkerPublic,
    list_social_workers,
    organisation_detail,
    social_worker_detail,
)

QUALIFICATIONS = [(q.value, QUALIFICATION_LABELS_ZH[q]) for q in Qualification]


class WorkerFilters(ListFilters):
    qualification: Annotated[str | None, Query(max_length=20)] = None
    employer: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None


class WorkerForm(BaseModel):
    name: FormText = ""
    qualification: FormText = ""
    social_work_degree: bool = False


def _qualification(value: str | None) -> Qualification | None:
    try:
        return Qualification(value) if value else None
    except ValueError:
        return None


def _employer_names(session: Session, actor: Actor, ids: set[int]) -> dict[int, str]:
    return {i: organisation_detail(session, actor=actor, organisation_id=i).name for i in ids}


def _listing(session: Session, actor: Actor, filters: Any) -> Listing:
    level, employer = _qualification(filters.qualification), filters.employer
    chosen = {"q": words(filters.q), "qualification": level.value if level else "", "employer": employer or ""}
    found = list_social_workers(
        session,
        actor=actor,
        employer_id=employer,
        name=chosen["q"] or None,
        qualification=level,
        page=filters.page,
        page_size=PAGE_SIZE,
    )
    employers = _employer_names(session, actor, {w.employer_id for w in found.items if w.employer_id is not None})
    employer_name = None
    if employer is not None:
        employer_name = (
            employers.get(employer) or organisation_detail(session, actor=actor, organisation_id=employer).name
        )
    shown = {"employers": employers, "employer_name": employer_name, "qualifications": QUALIFICATIONS}
    return Listing(found, chosen, shown)


def _worker_shown(session: Session, actor: Actor, worker: SocialWorkerPublic) -> dict[str, Any]:
    employers = _employer_names(session, actor, {worker.employer_id} if worker.employer_id else set())
    return {"employer_name": employers.get(worker.employer_id or 0), "qualifications": QUALIFICATIONS}


SOCIAL_WORKERS = Register(
    path="/console/social-workers",
    title="社会工作者",
    readers=ORGANISATION_READERS,
    lifecycle=SOCIAL_WORKER_REGISTER,
    import_kind=kinds.SOCIAL_WORKERS,
    list_template="console/social_workers.html",
    entry_template="console/social_worker.html",
    entry_name="worker",
    filters=WorkerFilters,
    listing=_listing,
    detail=social_worker_detail,
    update=update_social_worker,
    id_name="worker_id",
    form=WorkerForm,
    update_model=SocialWorkerUpdate,
    labels={"name": "姓名", "qualification": "职业资格", "social_work_degree": "社会工作专业毕业"},
    duplicate_field="name",
    entry_shown=_worker_shown,
)
router = register_router(SOCIAL_WORKERS)
