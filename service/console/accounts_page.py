"""登录账号: the accounts of the reader's scope, created, disabled, re-enabled and reset through the same use cases
as /users; a one-time password is shown once, on the page that answers the action."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from models.authority import roles_for
from models.errors import RoleNotAllowed
from models.lifecycles import ACCOUNT_REGISTER, ACCOUNT_ROLES_MANAGED
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import manages
from service.api.deps import ClockDep, SessionDep
from service.api.params import EntityId
from service.auth import SCOPE_FIELD, UserPublic
from service.commands.users import (
    CREATE,
    AccountChange,
    AccountCreate,
    create_account,
    disable_account,
    enable_account,
    list_accounts,
    reset_password,
)
from service.console.form_input import PageNumber, page_count, validated
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.errors import Duplicate, InvalidInput
from service.queries.parties import list_experts, list_organisations
from service.queries.place_list import place_choices, place_names

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ACCOUNTS_PATH = "/console/accounts"
PAGE_SIZE = 30
CHOICES_SHOWN = 200  # organisations and experts offered in the form's lists
STATUSES = {"active": ("启用中", False), "disabled": ("已停用", True)}
DONE = {"disabled": "已停用账号", "enabled": "已重新启用账号"}
FormText = Annotated[str, Form(max_length=200)]
LIST_KEYS = ("role", "status", "q", "page")
BackField = Annotated[str, Form(max_length=400)]
LABELS = {  # the create form's fields
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "region_id": "所辖地区",
    "organisation_id": "社工机构",
    "expert_id": "专家档案",
}


def refuse_unless_manages_accounts(actor: Actor) -> None:
    """GET /users's own check: the roles declared to create accounts (and the administrator)."""
    if actor.role not in roles_for(ACCOUNT_REGISTER, CREATE) | {Role.ADMIN}:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权管理登录账号")


def _role(value: str | None) -> Role | None:
    try:
        return Role(value) if value else None
    except ValueError:
        return None


def _id(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _form_choices(session: Session, actor: Actor) -> dict[str, Any]:
    managed = ACCOUNT_ROLES_MANAGED.get(actor.role, frozenset())
    organisations = (
        [(o.id, o.name) for o in list_organisations(session, actor=actor, page=1, page_size=CHOICES_SHOWN).items]
        if Role.ORGANISATION in managed
        else []
    )
    experts = (
        [(e.id, e.name) for e in list_experts(session, actor=actor, page=1, page_size=CHOICES_SHOWN).items]
        if Role.EXPERT in managed
        else []
    )
    return {
        "roles": [(r.value, ROLE_LABELS_ZH[r]) for r in Role if r in managed],
        "places": place_choices(session, actor=actor),
        "organisations": organisations,
        "experts": experts,
    }


def _scope_names(choices: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Names for the list's scope column: organisations and experts as the form offers them."""
    return {kind: dict(choices[kind]) for kind in ("organisations", "experts")}


def _accounts_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    actor: Actor,
    *,
    role: str | None = None,
    status: str | None = None,
    q: str | None = None,
    page: int = 1,
    code: int = 200,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    done: str | None = None,
    password: dict[str, str] | None = None,
) -> Response:
    refuse_unless_manages_accounts(actor)
    choices = _form_choices(session, actor)
    disabled = STATUSES[status][1] if status in STATUSES else None
    found = list_accounts(
        session, actor=actor, role=_role(role), disabled=disabled, name=q, page=page, page_size=PAGE_SIZE
    )
    chosen = {
        "role": role if _role(role) else "",
        "status": status if status in STATUSES else "",
        "q": (q or "").strip(),
    }
    return render(
        request,
        "console/accounts.html",
        user=user,
        status=code,
        found=found,
        chosen=chosen,
        all_roles=[(r.value, ROLE_LABELS_ZH[r]) for r in Role],
        statuses=[(key, label) for key, (label, _) in STATUSES.items()],
        place_names=place_names(session, {a.region_id for a in found.items if a.region_id is not None}),
        manageable={a.id for a in found.items if manages(actor.role, a.role)},
        scope_names=_scope_names(choices),
        own_name=actor.user_id,
        typed=typed or dict.fromkeys(LABELS, ""),
        errors=errors or {},
        error=error,
        done=done,
        password=password,
        page=page,
        pages=page_count(found.total, PAGE_SIZE),
        query=urlencode(chosen),
        **choices,
    )


@router.get(ACCOUNTS_PATH)
def accounts_list(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    role: Annotated[str | None, Query(max_length=30)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: PageNumber = 1,
    done: Annotated[str | None, Query(max_length=20)] = None,
    who: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    notice = f"{DONE[done]}“{who}”。" if done in DONE and who else None
    return _accounts_page(request, session, user, actor, role=role, status=status, q=q, page=page, done=notice)


@router.post(ACCOUNTS_PATH, dependencies=[CsrfChecked])
def create_account_page(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    username: FormText = "",
    display_name: FormText = "",
    role: FormText = "",
    region_id: FormText = "",
    organisation_id: FormText = "",
    expert_id: FormText = "",
) -> Response:
    """POST /users's use case without a password: the one-time password it makes is shown on this answer only."""
    typed = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "region_id": region_id,
        "organisation_id": organisation_id,
        "expert_id": expert_id,
    }
    errors: dict[str, str] = {}
    chosen_role = _role(role)
    if not username.strip():
        errors["username"] = "请填写用户名"
    if chosen_role is None:
        errors["role"] = "请选择角色"
    scope_field = SCOPE_FIELD[chosen_role] if chosen_role else None
    scope = {scope_field: _id(typed[scope_field])} if scope_field else {}
    if scope_field and scope[scope_field] is None:
        errors[scope_field] = {"region_id": "请选择所辖地区", "organisation_id": "请选择社工机构"}.get(
            scope_field, "请选择专家档案"
        )
    message = None
    if not errors:
        facts = {"username": username, "display_name": display_name.strip(), "role": role, **scope}
        data, errors = validated(AccountCreate, facts, LABELS)
    if not errors:
        try:
            created = create_account(session, data=data, actor=actor, now=now)
            shown = {"username": created.username, "password": created.one_time_password or ""}
            return _accounts_page(request, session, user, actor, password=shown)
        except Duplicate as exc:
            session.rollback()
            errors["username"] = exc.message
        except InvalidInput as exc:
            session.rollback()
            message = exc.message
    return _accounts_page(request, session, user, actor, code=422, typed=typed, errors=errors, error=message)


@dataclass(frozen=True)
class RowAction:
    """What a row's button posts: whose account, the reason given, and the list it was pressed on."""

    user_id: int
    data: AccountChange
    back: str


def _row_action(user_id: EntityId, reason: FormText = "", back: BackField = "") -> RowAction:
    return RowAction(user_id, AccountChange(reason=reason.strip() or None), back)


RowActionDep = Annotated[RowAction, Depends(_row_action)]


def _kept(back: str) -> dict[str, str]:
    """The list's filters and page the row's form came from, so that the answer shows the same rows."""
    return {key: value for key, value in parse_qsl(back) if key in LIST_KEYS}


def _back_to(back: str, done: str, username: str) -> RedirectResponse:
    query = urlencode({**_kept(back), "done": done, "who": username})
    return RedirectResponse(f"{ACCOUNTS_PATH}?{query}", status_code=303)


def _switch_route(action: str, switch: Callable[..., UserPublic], done: str) -> None:
    """A row's 停用 or 重新启用 button: the use case, then the list as it was, saying what was done to whom."""

    @router.post(f"{ACCOUNTS_PATH}/{{user_id}}/{action}", dependencies=[CsrfChecked])
    def switch_account_page(session: SessionDep, now: ClockDep, actor: ConsoleActor, row: RowActionDep) -> Response:
        account = switch(session, user_id=row.user_id, data=row.data, actor=actor, now=now)
        return _back_to(row.back, done, account.username)


_switch_route("disable", disable_account, "disabled")
_switch_route("enable", enable_account, "enabled")


@router.post(ACCOUNTS_PATH + "/{user_id}/reset-password", dependencies=[CsrfChecked])
def reset_password_page(
    request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor, row: RowActionDep
) -> Response:
    reset = reset_password(session, user_id=row.user_id, data=row.data, actor=actor, now=now)
    shown = {"username": reset.account.username, "password": reset.one_time_password}
    kept = _kept(row.back)
    page = int(kept["page"]) if kept.get("page", "").isdigit() else 1
    return _accounts_page(
        request,
        session,
        user,
        actor,
        role=kept.get("role"),
        status=kept.get("status"),
        q=kept.get("q"),
        page=max(1, min(page, 1_000_000)),
        password=shown,
    )
