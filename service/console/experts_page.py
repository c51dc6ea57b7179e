"""评审专家: the register's paged list filtered by name, and each expert's page, corrected there through the same
use case as PATCH /experts; a bad value is named beside its field and what was typed stays."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.lifecycles import EXPERT_REGISTER
from models.roles import Actor
from models.user import User
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.registers import EDIT, ExpertUpdate, update_expert
from service.console.form_input import (
    PAGE_SIZE,
    SAVED,
    Done,
    FormText,
    PageNumber,
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
from service.queries.parties import EXPERT_READERS, expert_detail, list_experts

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
EXPERTS_PATH = "/console/experts"
EXPERT_LABELS = {"name": "姓名", "email": "电子邮箱", "field_of_expertise": "专业领域", "employer_name": "工作单位"}


@router.get(EXPERTS_PATH)
def experts_list(
    request: Request, session: SessionDep, user: ConsoleUser, actor: ConsoleActor, q: Words = None, page: PageNumber = 1
) -> Response:
    require_reader(actor, EXPERT_READERS, "评审专家")
    chosen = {"q": words(q)}
    found = list_experts(session, actor=actor, name=chosen["q"] or None, page=page, page_size=PAGE_SIZE)
    return render(
        request,
        "console/experts.html",
        user=user,
        found=found,
        chosen=chosen,
        may_edit=may(actor, EXPERT_REGISTER, EDIT),
        may_import=actor.role in kinds.IMPORT_ROLES[kinds.EXPERTS],
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
    )


def _expert_page(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    expert_id: int,
    *,
    status: int = 200,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    expert = expert_detail(session, actor=actor, expert_id=expert_id)
    shown = {
        "name": expert.name,
        "email": expert.email or "",
        "field_of_expertise": expert.field_of_expertise,
        "employer_name": expert.employer_name,
    }
    return render(
        request,
        "console/expert.html",
        user=user,
        status=status,
        expert=expert,
        edit=typed or shown,
        errors=errors or {},
        may_edit=may(actor, EXPERT_REGISTER, EDIT),
        done=done,
    )


@router.get(EXPERTS_PATH + "/{expert_id}")
def expert_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    expert_id: EntityId,
    done: Done = None,
) -> Response:
    require_reader(actor, EXPERT_READERS, "评审专家")
    return _expert_page(request, session, user, actor, expert_id, done=SAVED if done == "saved" else None)


@router.post(EXPERTS_PATH + "/{expert_id}", dependencies=[CsrfChecked])
def edit_expert(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    expert_id: EntityId,
    name: FormText = "",
    email: FormText = "",
    field_of_expertise: FormText = "",
    employer_name: FormText = "",
) -> Response:
    """A blank e-mail clears it: the expert then gets no review notices."""
    typed = {"name": name, "email": email, "field_of_expertise": field_of_expertise, "employer_name": employer_name}
    data, errors = validated(ExpertUpdate, {**typed, "email": email.strip() or None}, EXPERT_LABELS)
    saved, errors = save(
        session,
        lambda: update_expert(session, expert_id=expert_id, data=data, actor=actor, now=now),
        errors,
        "email",
    )
    if saved:
        return RedirectResponse(f"{EXPERTS_PATH}/{expert_id}?done=saved", status_code=303)
    return _expert_page(request, session, user, actor, expert_id, status=422, typed=typed, errors=errors)
