"""社会工作者: the register's paged list filtered by name, employer and qualification, and each worker's page,
corrected there through the same use case as PATCH /social-workers; a bad value is named beside its field."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.lifecycles import SOCIAL_WORKER_REGISTER
from models.roles import Actor
from models.social_worker import Qualification
from models.user import User
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.registers import EDIT, SocialWorkerUpdate, update_social_worker
from service.console.form_input import (
    PAGE_SIZE,
    SAVED,
    Done,
    FormText,
    PageNumber,
    Ticked,
    Words,
    page_count,
    save,
    validated,
    words,
)
from service.console.refusals import ConsoleRoute, may, require_reader
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.excel import kinds
from service.excel.cells import QUALIFICATION_LABELS_ZH
from service.queries.parties import ORGANISATION_READERS, list_social_workers, organisation_detail, social_worker_detail

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
WORKERS_PATH = "/console/social-workers"
QUALIFICATIONS = [(q.value, QUALIFICATION_LABELS_ZH[q]) for q in Qualification]
WORKER_LABELS = {"name": "姓名", "qualification": "职业资格", "social_work_degree": "社会工作专业毕业"}


def _qualification(value: str | None) -> Qualification | None:
    try:
        return Qualification(value) if value else None
    except ValueError:
        return None


def _employer_names(session: Session, actor: Actor, ids: set[int]) -> dict[int, str]:
    return {i: organisation_detail(session, actor=actor, organisation_id=i).name for i in ids}


@router.get(WORKERS_PATH)
def social_workers_list(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    q: Words = None,
    qualification: Annotated[str | None, Query(max_length=20)] = None,
    employer: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    page: PageNumber = 1,
) -> Response:
    require_reader(actor, ORGANISATION_READERS, "社会工作者")
    level = _qualification(qualification)
    chosen = {"q": words(q), "qualification": level.value if level else "", "employer": employer or ""}
    found = list_social_workers(
        session,
        actor=actor,
        employer_id=employer,
        name=chosen["q"] or None,
        qualification=level,
        page=page,
        page_size=PAGE_SIZE,
    )
    employers = _employer_names(session, actor, {w.employer_id for w in found.items if w.employer_id is not None})
    employer_name = None
    if employer is not None:
        employer_name = (
            employers.get(employer) or organisation_detail(session, actor=actor, organisation_id=employer).name
        )
    return render(
        request,
        "console/social_workers.html",
        user=user,
        found=found,
        chosen=chosen,
        employers=employers,
        employer_name=employer_name,
        qualifications=QUALIFICATIONS,
        may_edit=may(actor, SOCIAL_WORKER_REGISTER, EDIT),
        may_import=actor.role in kinds.IMPORT_ROLES[kinds.SOCIAL_WORKERS],
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
    )


def _worker_page(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    worker_id: int,
    *,
    status: int = 200,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    worker = social_worker_detail(session, actor=actor, worker_id=worker_id)
    shown = {
        "name": worker.name,
        "qualification": worker.qualification,
        "social_work_degree": worker.social_work_degree,
    }
    employers = _employer_names(session, actor, {worker.employer_id} if worker.employer_id else set())
    return render(
        request,
        "console/social_worker.html",
        user=user,
        status=status,
        worker=worker,
        employer_name=employers.get(worker.employer_id or 0),
        edit=typed or shown,
        errors=errors or {},
        qualifications=QUALIFICATIONS,
        may_edit=may(actor, SOCIAL_WORKER_REGISTER, EDIT),
        done=done,
    )


@router.get(WORKERS_PATH + "/{worker_id}")
def social_worker_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    worker_id: EntityId,
    done: Done = None,
) -> Response:
    require_reader(actor, ORGANISATION_READERS, "社会工作者")
    return _worker_page(request, session, user, actor, worker_id, done=SAVED if done == "saved" else None)


@router.post(WORKERS_PATH + "/{worker_id}", dependencies=[CsrfChecked])
def edit_social_worker(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    worker_id: EntityId,
    name: FormText = "",
    qualification: FormText = "",
    social_work_degree: Ticked = None,
) -> Response:
    typed = {"name": name, "qualification": qualification, "social_work_degree": social_work_degree is not None}
    data, errors = validated(SocialWorkerUpdate, typed, WORKER_LABELS)
    saved, errors = save(
        session,
        lambda: update_social_worker(session, worker_id=worker_id, data=data, actor=actor, now=now),
        errors,
        "name",
    )
    if saved:
        return RedirectResponse(f"{WORKERS_PATH}/{worker_id}?done=saved", status_code=303)
    return _worker_page(request, session, user, actor, worker_id, status=422, typed=typed, errors=errors)
