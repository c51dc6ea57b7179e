"""社工机构: the register's paged list filtered by name and blacklist, and each organisation's page, corrected there
through the same use case as PATCH /organisations; a bad value is named beside its field and what was typed stays."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.lifecycles import ORGANISATION_REGISTER
from models.roles import Actor
from models.user import User
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.registers import EDIT, OrganisationUpdate, update_organisation
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
from service.queries.parties import ORGANISATION_READERS, list_organisations, organisation_detail

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ORGANISATIONS_PATH = "/console/organisations"
ORGANISATION_LABELS = {
    "name": "机构名称",
    "contact_email": "联系邮箱",
    "registered_on": "登记日期",
    "registered_with_civil_affairs": "已在民政部门登记",
    "sound_governance": "具有健全的法人治理结构",
    "financial_rules_and_bank_account": "具有规章财务制度和独立银行账号",
}
BLACKLIST_CHOICES = {"yes": True, "no": False}


@router.get(ORGANISATIONS_PATH)
def organisations_list(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    q: Words = None,
    blacklisted: Annotated[str | None, Query(max_length=5)] = None,
    page: PageNumber = 1,
) -> Response:
    require_reader(actor, ORGANISATION_READERS, "社工机构")
    chosen = {"q": words(q), "blacklisted": blacklisted if blacklisted in BLACKLIST_CHOICES else ""}
    found = list_organisations(
        session,
        actor=actor,
        name=chosen["q"] or None,
        blacklisted=BLACKLIST_CHOICES.get(chosen["blacklisted"]),
        page=page,
        page_size=PAGE_SIZE,
    )
    return render(
        request,
        "console/organisations.html",
        user=user,
        found=found,
        chosen=chosen,
        may_edit=may(actor, ORGANISATION_REGISTER, EDIT),
        may_import=actor.role in kinds.IMPORT_ROLES[kinds.ORGANISATIONS],
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
    )


def _organisation_page(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    organisation_id: int,
    *,
    status: int = 200,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    organisation = organisation_detail(session, actor=actor, organisation_id=organisation_id)
    shown = {
        "name": organisation.name,
        "contact_email": organisation.contact_email or "",
        "registered_on": organisation.registered_on.isoformat() if organisation.registered_on else "",
        "registered_with_civil_affairs": organisation.registered_with_civil_affairs,
        "sound_governance": organisation.sound_governance,
        "financial_rules_and_bank_account": organisation.financial_rules_and_bank_account,
    }
    return render(
        request,
        "console/organisation.html",
        user=user,
        status=status,
        organisation=organisation,
        edit=typed or shown,
        errors=errors or {},
        may_edit=may(actor, ORGANISATION_REGISTER, EDIT),
        done=done,
    )


@router.get(ORGANISATIONS_PATH + "/{organisation_id}")
def organisation_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    organisation_id: EntityId,
    done: Done = None,
) -> Response:
    require_reader(actor, ORGANISATION_READERS, "社工机构")
    return _organisation_page(request, session, user, actor, organisation_id, done=SAVED if done == "saved" else None)


@router.post(ORGANISATIONS_PATH + "/{organisation_id}", dependencies=[CsrfChecked])
def edit_organisation(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    organisation_id: EntityId,
    name: FormText = "",
    contact_email: FormText = "",
    registered_on: FormText = "",
    registered_with_civil_affairs: Ticked = None,
    sound_governance: Ticked = None,
    financial_rules_and_bank_account: Ticked = None,
) -> Response:
    """The whole form is sent: a blank e-mail or date clears it, an unticked box is 否."""
    typed = {
        "name": name,
        "contact_email": contact_email,
        "registered_on": registered_on,
        "registered_with_civil_affairs": registered_with_civil_affairs is not None,
        "sound_governance": sound_governance is not None,
        "financial_rules_and_bank_account": financial_rules_and_bank_account is not None,
    }
    facts = {**typed, "contact_email": contact_email.strip() or None, "registered_on": registered_on.strip() or None}
    data, errors = validated(OrganisationUpdate, facts, ORGANISATION_LABELS)
    saved, errors = save(
        session,
        lambda: update_organisation(session, organisation_id=organisation_id, data=data, actor=actor, now=now),
        errors,
        "name",
    )
    if saved:
        return RedirectResponse(f"{ORGANISATIONS_PATH}/{organisation_id}?done=saved", status_code=303)
    return _organisation_page(request, session, user, actor, organisation_id, status=422, typed=typed, errors=errors)
