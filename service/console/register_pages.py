"""A register's console pages, the same for 社工机构, 社会工作者 and 评审专家: its paged, filtered list, and each
entry's page, corrected there through the register's own use case (as its PATCH route); a bad value is named beside
its field and what was typed stays."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor, Role
from models.user import User
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.registers import EDIT
from service.console.form_input import SAVED, Done, PageNumber, Words, page_count, save, validated
from service.console.refusals import ConsoleRoute, may, require_reader
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.excel import kinds


class ListFilters(BaseModel):
    """A register list's query: its text filter and page; a register adds its own filters."""

    q: Words = None
    page: PageNumber = 1


@dataclass(frozen=True)
class Listing:
    """One page of a register's list, the filters as chosen, and what else its template shows."""

    found: Any
    chosen: dict[str, Any]
    shown: dict[str, Any] = field(default_factory=dict)


def _nothing_more(session: Session, actor: Actor, entry: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Register:
    """What one register's pages declare; the routes are the same for all."""

    path: str  # the list's address; an entry's is `{path}/{id}`
    title: str  # the register's name in a refusal
    readers: tuple[Role, ...]
    lifecycle: Any  # whose EDIT roles are offered the form
    import_kind: str
    list_template: str
    entry_template: str
    entry_name: str  # the entry's name in its template
    filters: type[ListFilters]
    listing: Callable[[Session, Actor, Any], Listing]
    detail: Callable[..., Any]  # the register's detail query, taking the entry's id as `id_name`
    update: Callable[..., Any]  # the register's update use case, likewise
    id_name: str
    form: type[BaseModel]  # the edit form's fields, each also an attribute of the entry
    update_model: type[BaseModel]
    labels: dict[str, str]
    duplicate_field: str  # beside which a taken value is named
    blank_clears: tuple[str, ...] = ()  # fields a blank sets to none
    entry_shown: Callable[[Session, Actor, Any], dict[str, Any]] = _nothing_more


def _as_typed(value: Any) -> Any:
    """An entry's value as its form field shows it."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def _entry_page(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    register: Register,
    entry_id: int,
    *,
    status: int = 200,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    entry = register.detail(session, actor=actor, **{register.id_name: entry_id})
    shown = {name: _as_typed(getattr(entry, name)) for name in register.form.model_fields}
    return render(
        request,
        register.entry_template,
        user=user,
        status=status,
        edit=typed or shown,
        errors=errors or {},
        may_edit=may(actor, register.lifecycle, EDIT),
        done=done,
        **{register.entry_name: entry},
        **register.entry_shown(session, actor, entry),
    )


def register_router(register: Register) -> APIRouter:
    """The list, entry and edit routes of one register."""
    router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
    filters_type: Any = register.filters  # a model only known here, read by FastAPI from the annotations below
    form_type: Any = register.form

    @router.get(register.path)
    def register_list(
        request: Request,
        session: SessionDep,
        user: ConsoleUser,
        actor: ConsoleActor,
        filters: Annotated[filters_type, Query()],
    ) -> Response:
        require_reader(actor, register.readers, register.title)
        listing = register.listing(session, actor, filters)
        return render(
            request,
            register.list_template,
            user=user,
            found=listing.found,
            chosen=listing.chosen,
            may_edit=may(actor, register.lifecycle, EDIT),
            may_import=actor.role in kinds.IMPORT_ROLES[register.import_kind],
            page=filters.page,
            pages=page_count(listing.found.total),
            query=urlencode(listing.chosen),
            **listing.shown,
        )

    @router.get(register.path + "/{entry_id}")
    def register_entry(
        request: Request,
        session: SessionDep,
        user: ConsoleUser,
        actor: ConsoleActor,
        entry_id: EntityId,
        done: Done = None,
    ) -> Response:
        require_reader(actor, register.readers, register.title)
        done_text = SAVED if done == "saved" else None
        return _entry_page(request, session, user, actor, register, entry_id, done=done_text)

    @router.post(register.path + "/{entry_id}", dependencies=[CsrfChecked])
    def edit_register_entry(
        request: Request,
        session: SessionDep,
        now: ClockDep,
        user: ConsoleUser,
        actor: ConsoleActor,
        entry_id: EntityId,
        form: Annotated[form_type, Form()],
    ) -> Response:
        """The whole form is sent: an unticked box is 否, a blank in a field that may be blank clears it."""
        typed = form.model_dump()
        facts = {**typed, **{name: typed[name].strip() or None for name in register.blank_clears}}
        data, errors = validated(register.update_model, facts, register.labels)
        saved, errors = save(
            session,
            lambda: register.update(session, data=data, actor=actor, now=now, **{register.id_name: entry_id}),
            errors,
            register.duplicate_field,
        )
        if saved:
            return RedirectResponse(f"{register.path}/{entry_id}?done=saved", status_code=303)
        return _entry_page(request, session, user, actor, register, entry_id, status=422, typed=typed, errors=errors)

    return router
