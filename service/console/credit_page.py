"""信用记录: the penalties, annual inspections and blacklist entries of organisations and social workers, filtered and
paged; for one holder, the coordinator enters a record there and lifts a blacklist entry with a reason, through the
same use cases as POST /credit-records and POST /credit-records/blacklist/{id}/lift."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session

from models.authority import roles_for
from models.dates import shanghai_date
from models.errors import EventNotAllowedInState
from models.lifecycles import CREDIT_REGISTER
from models.organisation import INSPECTION_RESULT_LABELS
from models.roles import Actor
from models.user import User
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.commands.credit import (
    ENTER,
    LIFT,
    BlacklistCreate,
    BlacklistLift,
    InspectionCreate,
    PenaltyCreate,
    enter_credit_record,
    lift_blacklist_entry,
)
from service.console.form_input import PAGE_SIZE, PageNumber, field_errors, page_count
from service.console.refusals import ConsoleRoute, require_reader
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.errors import Duplicate, InvalidInput
from service.excel import kinds
from service.queries.credit import KIND_LABELS, RecordKind, list_credit_records
from service.queries.parties import ORGANISATION_READERS, organisation_detail, social_worker_detail

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
CREDIT_PATH = "/console/credit"
HolderId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
FormText = Annotated[str, Form(max_length=1200)]
ENTERED = {
    RecordKind.PENALTY: PenaltyCreate,
    RecordKind.INSPECTION: InspectionCreate,
    RecordKind.BLACKLIST: BlacklistCreate,
}
FIELDS: dict[RecordKind, dict[str, str]] = {  # what each form asks, by the use case's field names
    RecordKind.PENALTY: {
        "imposed_on": "处罚日期",
        "ends_on": "处罚期满日期",
        "authority": "处罚机关",
        "reason": "处罚事由",
    },
    RecordKind.INSPECTION: {"year": "年检年度", "result": "年检结论", "source": "作出结论的机关", "reason": "说明"},
    RecordKind.BLACKLIST: {
        "starts_on": "列入日期",
        "ends_on": "期满日期",
        "source": "作出决定的机关",
        "reason": "列入事由",
    },
}
DONE = {"entered": "已录入信用记录。", "lifted": "已解除该黑名单记录，记录仍保留。"}


def _kind(value: str | None) -> RecordKind | None:
    try:
        return RecordKind(value) if value else None
    except ValueError:
        return None


def _holder(
    session: Session, actor: Actor, organisation: int | None, social_worker: int | None
) -> dict[str, Any] | None:
    """Whose record the page is narrowed to (one holder only: an organisation wins), read in the actor's scope."""
    if organisation is not None:
        found = organisation_detail(session, actor=actor, organisation_id=organisation)
        return {
            "organisation_id": found.id,
            "name": found.name,
            "what": "社工机构",
            "path": f"/console/organisations/{found.id}",
        }
    if social_worker is not None:
        worker = social_worker_detail(session, actor=actor, worker_id=social_worker)
        return {
            "social_worker_id": worker.id,
            "name": worker.name,
            "what": "社会工作者",
            "path": f"/console/social-workers/{worker.id}",
        }
    return None


def _credit_page(
    request: Request,
    session: Session,
    user: User,
    actor: Actor,
    now: Any,
    *,
    organisation: int | None,
    social_worker: int | None,
    kind: str | None = None,
    page: int = 1,
    status: int = 200,
    open_form: RecordKind | None = None,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    lift_errors: dict[int, str] | None = None,
    done: str | None = None,
) -> Response:
    holder = _holder(session, actor, organisation, social_worker)
    chosen_kind = _kind(kind)
    found = list_credit_records(
        session,
        actor=actor,
        today=shanghai_date(now),
        organisation_id=holder.get("organisation_id") if holder else None,
        social_worker_id=holder.get("social_worker_id") if holder else None,
        kind=chosen_kind,
        page=page,
        page_size=PAGE_SIZE,
    )
    chosen = {
        "organisation": holder.get("organisation_id", "") if holder else "",
        "social_worker": holder.get("social_worker_id", "") if holder else "",
        "kind": chosen_kind.value if chosen_kind else "",
    }
    return render(
        request,
        "console/credit.html",
        user=user,
        status=status,
        found=found,
        holder=holder,
        chosen=chosen,
        kinds=list(KIND_LABELS.items()),
        entered_kinds=[(k, KIND_LABELS[k], FIELDS[k]) for k in ENTERED],
        results=[(r.value, label) for r, label in INSPECTION_RESULT_LABELS.items()],
        may_enter=actor.role in roles_for(CREDIT_REGISTER, ENTER),
        may_lift=actor.role in roles_for(CREDIT_REGISTER, LIFT),
        may_import=actor.role in kinds.IMPORT_ROLES[kinds.CREDIT_RECORDS],
        open_form=open_form,
        typed=typed or {},
        errors=errors or {},
        lift_errors=lift_errors or {},
        done=DONE.get(done or ""),
        page=page,
        pages=page_count(found.total),
        query=urlencode(chosen),
    )


@router.get(CREDIT_PATH)
def credit_list(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    organisation: HolderId = None,
    social_worker: HolderId = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    page: PageNumber = 1,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    require_reader(actor, ORGANISATION_READERS, "信用记录")
    return _credit_page(
        request,
        session,
        user,
        actor,
        now,
        organisation=organisation,
        social_worker=social_worker,
        kind=kind,
        page=page,
        done=done,
    )


def _back(organisation: int | None, social_worker: int | None, done: str) -> RedirectResponse:
    holder = {"organisation": organisation} if organisation else {"social_worker": social_worker}
    return RedirectResponse(f"{CREDIT_PATH}?{urlencode({**holder, 'done': done})}", status_code=303)


def _refused(request: Request, session: Session, user: User, actor: Actor, now: Any, **shown: Any) -> Response:
    """The holder's page again, what a form sent that was refused shown beside it."""
    return _credit_page(request, session, user, actor, now, status=422, **shown)


@router.post(CREDIT_PATH + "/{kind}", dependencies=[CsrfChecked])
def enter_record(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    kind: RecordKind,
    organisation_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    social_worker_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    imposed_on: FormText = "",
    starts_on: FormText = "",
    ends_on: FormText = "",
    year: FormText = "",
    result: FormText = "",
    authority: FormText = "",
    source: FormText = "",
    reason: FormText = "",
) -> Response:
    """One penalty, inspection or blacklist entry of the page's holder; what was typed stays beside its error."""
    model = ENTERED.get(kind)
    if model is None:
        raise InvalidInput("此类信用记录不能在此录入")
    given = {"imposed_on": imposed_on, "starts_on": starts_on, "ends_on": ends_on, "year": year, "result": result}
    given |= {"authority": authority, "source": source, "reason": reason}
    typed = {name: given[name] for name in FIELDS[kind]}
    facts: dict[str, Any] = {name: value.strip() or None for name, value in typed.items()}
    if kind is RecordKind.INSPECTION:
        facts = {**facts, "source": facts["source"] or "", "reason": facts["reason"] or ""}
    labels = FIELDS[kind]
    errors: dict[str, str] = {}
    try:
        data = model(kind=kind, organisation_id=organisation_id, social_worker_id=social_worker_id, **facts)
    except ValidationError as exc:
        errors = field_errors(exc, labels)
        for problem in exc.errors():  # a blank required field: asked for by name
            field = str(problem["loc"][0]) if problem["loc"] else ""
            if problem["type"] in ("missing", "none_required") or (field in labels and facts.get(field) is None):
                errors[field] = f"请填写{labels.get(field, field)}"
    else:
        try:
            enter_credit_record(session, data=data, actor=actor, now=now)
            return _back(organisation_id, social_worker_id, "entered")
        except Duplicate as exc:
            session.rollback()
            errors = {"year": exc.message}
        except InvalidInput as exc:
            session.rollback()
            errors = {"ends_on": exc.message}
    holder = {"organisation": organisation_id, "social_worker": social_worker_id}
    return _refused(request, session, user, actor, now, **holder, open_form=kind, typed=typed, errors=errors)


@router.post(CREDIT_PATH + "/blacklist/{entry_id}/lift", dependencies=[CsrfChecked])
def lift_entry(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    entry_id: EntityId,
    organisation_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    social_worker_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    reason: FormText = "",
) -> Response:
    """Lifting needs its reason; the entry stays on record with who lifted it, when and why."""
    message = None
    try:
        data = BlacklistLift(reason=reason)
    except ValidationError:
        message = "请填写解除理由（最多 1000 字）"
    else:
        try:
            lift_blacklist_entry(session, entry_id=entry_id, data=data, actor=actor, now=now)
            return _back(organisation_id, social_worker_id, "lifted")
        except EventNotAllowedInState as exc:
            session.rollback()
            message = exc.message
    holder = {"organisation": organisation_id, "social_worker": social_worker_id}
    return _refused(request, session, user, actor, now, **holder, lift_errors={entry_id: message})
