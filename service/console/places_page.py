"""区划与通知地址: the places of the reader's scope, each with its notice address, edited and added to through the
same use cases as PATCH and POST /regions."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from models.authority import roles_for
from models.errors import StaleVersion
from models.lifecycles import REGION_REGISTER
from models.region import CHILD_LEVEL, LEVEL_LABELS_ZH, SETTLEMENT_LABELS_ZH, RegionLevel
from models.roles import Actor
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.regions import ADD, EDIT, RegionCreate, RegionUpdate, add_region, edit_region
from service.console.form_input import FormText, PageNumber, field_errors, page_count
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.errors import Duplicate, InvalidInput
from service.queries.place_list import place_in_reach, places_in_scope

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PLACES_PATH = "/console/places"
PAGE_SIZE = 30
FIELD_LABELS = {"name": "名称", "contact_email": "联系邮箱", "settlement": "城乡类别", "service_area_m2": "服务面积"}
DONE = {"edited": "已保存。", "added": "已添加下一级区划。"}


def _level(value: str | None) -> RegionLevel | None:
    """A select's value: a level, or no filter (anything else is no filter, not an error page)."""
    try:
        return RegionLevel(value) if value else None
    except ValueError:
        return None


def _may(actor: Actor, action: str) -> bool:
    return actor.role in roles_for(REGION_REGISTER, action)


@router.get(PLACES_PATH)
def places_list(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
    page: PageNumber = 1,
) -> Response:
    found = places_in_scope(session, actor=actor, name=q, level=_level(level), page=page, page_size=PAGE_SIZE)
    chosen = {"q": (q or "").strip(), "level": level if _level(level) else ""}
    return render(
        request,
        "console/places.html",
        user=user,
        found=found,
        chosen=chosen,
        levels=[(lv.value, LEVEL_LABELS_ZH[lv]) for lv in RegionLevel],
        may_edit=_may(actor, EDIT),
        page=page,
        pages=page_count(found.total, PAGE_SIZE),
        query=urlencode(chosen),
    )


def _place_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: Actor,
    region_id: int,
    *,
    status: int = 200,
    edit: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
    child: dict[str, str] | None = None,
    child_errors: dict[str, str] | None = None,
    error: str | None = None,
    done: str | None = None,
) -> Response:
    place = place_in_reach(session, actor=actor, region_id=region_id)
    shown = {
        "name": place.name,
        "contact_email": place.contact_email or "",
        "settlement": place.settlement.value if place.settlement else "",
        "service_area_m2": "" if place.service_area_m2 is None else str(place.service_area_m2),
    }
    child_level = CHILD_LEVEL.get(RegionLevel(place.level))
    return render(
        request,
        "console/place.html",
        user=user,
        status=status,
        place=place,
        edit=edit or shown,
        edit_errors=edit_errors or {},
        child=child or {"name": "", "contact_email": "", "settlement": "", "service_area_m2": ""},
        child_errors=child_errors or {},
        child_level_label=LEVEL_LABELS_ZH[child_level] if child_level else None,
        settlements=list(SETTLEMENT_LABELS_ZH.items()),
        may_edit=_may(actor, EDIT),
        may_add=_may(actor, ADD) and child_level is not None,
        error=error,
        done=DONE.get(done or ""),
    )


@router.get(PLACES_PATH + "/{region_id}")
def place_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    region_id: EntityId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _place_page(request, session, user, actor, region_id, done=done)


def _facts(
    name: str, contact_email: str, settlement: str, service_area_m2: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The filled-in fields (a blank one is left as it is); a service area that is not a number is named."""
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in (("name", name), ("contact_email", contact_email), ("settlement", settlement)):
        if value.strip():
            facts[field] = value.strip()
    if service_area_m2.strip():
        if service_area_m2.strip().isdigit():
            facts["service_area_m2"] = int(service_area_m2.strip())
        else:
            errors["service_area_m2"] = "应为不小于 0 的整数（平方米）"
    return facts, errors


def _try(model: type[BaseModel], facts: dict[str, Any], errors: dict[str, str]) -> tuple[Any, dict[str, str]]:
    try:
        data = model(**facts)
    except ValidationError as exc:
        return None, {**field_errors(exc, FIELD_LABELS), **errors}
    return (None, errors) if errors else (data, errors)


@router.post(PLACES_PATH + "/{region_id}", dependencies=[CsrfChecked])
def edit_place(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    region_id: EntityId,
    expected_version: Annotated[int, Form(ge=0)],
    name: FormText = "",
    contact_email: FormText = "",
    settlement: FormText = "",
    service_area_m2: FormText = "",
) -> Response:
    """PATCH /regions/{id}'s use case; what was typed stays in the form beside the message."""
    typed = {"name": name, "contact_email": contact_email, "settlement": settlement, "service_area_m2": service_area_m2}
    facts, errors = _facts(name, contact_email, settlement, service_area_m2)
    data, errors = _try(RegionUpdate, {"expected_version": expected_version, **facts}, errors)
    message = None
    if data is not None:
        try:
            edit_region(session, region_id=region_id, data=data, actor=actor, now=now)
            return RedirectResponse(f"{PLACES_PATH}/{region_id}?done=edited", status_code=303)
        except Duplicate as exc:
            errors = {"name": exc.message}
        except (InvalidInput, StaleVersion) as exc:
            session.rollback()
            message = exc.message
    return _place_page(
        request,
        session,
        user,
        actor,
        region_id,
        status=409 if message else 422,
        edit=typed,
        edit_errors=errors,
        error=message,
    )


@router.post(PLACES_PATH + "/{region_id}/children", dependencies=[CsrfChecked])
def add_place(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    region_id: EntityId,
    name: FormText = "",
    contact_email: FormText = "",
    settlement: FormText = "",
    service_area_m2: FormText = "",
) -> Response:
    """POST /regions' use case, below this place."""
    typed = {"name": name, "contact_email": contact_email, "settlement": settlement, "service_area_m2": service_area_m2}
    facts, errors = _facts(name, contact_email, settlement, service_area_m2)
    if not name.strip():
        errors["name"] = "请填写名称"
    data, errors = _try(RegionCreate, {"parent_id": region_id, **facts}, errors)
    message = None
    if data is not None:
        try:
            added = add_region(session, data=data, actor=actor, now=now)
            return RedirectResponse(f"{PLACES_PATH}/{added.id}?done=added", status_code=303)
        except Duplicate as exc:
            errors = {"name": exc.message}
        except InvalidInput as exc:
            session.rollback()
            message = exc.message
    return _place_page(
        request, session, user, actor, region_id, status=422, child=typed, child_errors=errors, error=message
    )
