"""Every role × every endpoint × an in-scope and an out-of-scope object: the exact status of each cell.

The cells come from the app's own routes (its OpenAPI paths): an endpoint added without its expectations fails here.
Who may write is read from the declarations (`models.lifecycles`): every declared action, creation and
self-transition events included, has an HTTP entry point in `ENTRY_POINTS`, and each of its cells expects 403 for a
role not declared (404 when the object is out of scope) and no refusal by the permission check for a declared one.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.authority import roles_for
from models.lifecycles import (
    ACCOUNT_REGISTER,
    ATTACHMENT_REGISTER,
    BULLETIN_REGISTER,
    BY_NAME,
    CALENDAR_FEED_REGISTER,
    CALENDAR_REGISTER,
    CLOCK_REGISTER,
    CREDIT_REGISTER,
    EXPERT_REGISTER,
    NOTICE_REGISTER,
    ORGANISATION_REGISTER,
    PROGRAMME_REGISTER,
    PROJECT,
    REGION_REGISTER,
    REVIEW_ASSIGNMENT,
    SOCIAL_WORKER_REGISTER,
    declared_actions,
)
from models.roles import Role
from models.service_clock import ADVANCE_CLOCK
from models.statemachine import Event
from schedules.bulletin import parse_period, publish_bulletin
from service.app import create_app
from service.auth import actor_of
from service.commands.calendar_feeds import issue_calendar_feed
from service.excel import kinds
from service.excel.kinds import IMPORT_ROLES
from service.files import store_attachment
from service.queries.entities import LIFECYCLE_OF, Resource
from service.settings import Settings
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.service.api import workbooks
from tests.service.api.builders import PASSWORD, Api, Side, api_on, catch_mail, side
from tests.service.api.builders import user as new_user
from tests.service.api.test_accounts import accounts_workbook
from tests.service.api.test_credit_records import credit_workbook, declaration_json, expired_blacklist_entry
from tests.service.api.test_notices_api import failed_notice_about
from tests.service.api.test_places import new_street_workbook
from tests.service.api.test_programme_scope import programme_yaml
from tests.service.excel.builders import credit_code

IN, OUT = "in", "out"
ALL = frozenset(Role)
C, D, S, M, O, E, A = (  # noqa: E741
    Role.CITY_COORDINATOR,
    Role.DISTRICT_BUREAU,
    Role.STREET_OFFICE,
    Role.COMMUNITY,
    Role.ORGANISATION,
    Role.EXPERT,
    Role.ADMIN,
)
NOT_EXPERT = ALL - {E}
PDF = b"%PDF-1.4\n% test attachment\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    api: Api
    session: Session
    a: Side  # the users' own side: every object here is in their scope
    b: Side  # another city's programme: out of scope for everyone but the administrator


Request = dict[str, Any]
Expect = Callable[[Role, str, str | None], int]


def rule(
    ok: int,
    allowed: frozenset[Role] = ALL,
    *,
    in_hidden: frozenset[Role] = frozenset(),
    out_hidden: frozenset[Role] = ALL - {A},
) -> Expect:
    """Roles outside `allowed` (the administrator is always in) get 403; an unseen object 404; else `ok`."""
    allowed = allowed | {A}

    def expect(role: Role, scope: str, variant: str | None) -> int:
        if role not in allowed:
            return 403
        if role in (out_hidden if scope == OUT else in_hidden):
            return 404
        return ok

    return expect


def everyone(ok: int = 200) -> Expect:
    return rule(ok, out_hidden=frozenset())


# (action → expected roles), read from the declarations: the table a CLI test walks as well.
EXPECTED_ROLES: dict[tuple[str, str], frozenset[Role]] = {
    (subject.name, action): roles_for(subject, action) for subject, action in declared_actions()
}


def refused_role(role: Role, subject: str, action: str) -> bool:
    """Whether the permission check refuses `role` for `action` on `subject` (403 over HTTP, exit 2 on the CLI)."""
    return role not in EXPECTED_ROLES[(subject, action)]


def declared(
    subject: Any,
    action: str,
    ok: int,
    *,
    in_hidden: frozenset[Role] = frozenset(),
    out_hidden: frozenset[Role] = ALL - {A},
) -> Expect:
    """Scope first (404 for who cannot see the object), then the declared roles (403), else `ok`."""
    roles = roles_for(subject, action)

    def expect(role: Role, scope: str, variant: str | None) -> int:
        if role in (out_hidden if scope == OUT else in_hidden):
            return 404
        return ok if role in roles else 403

    return expect


# Who cannot see each resource's in-scope object; the actions endpoint fires every declared event of each.
RESOURCE_HIDDEN: dict[str, frozenset[Role]] = {
    Resource.PROJECTS: frozenset(),
    Resource.NODES: frozenset({E}),
    Resource.REVIEW_ASSIGNMENTS: frozenset(),
}
ACTION_VARIANTS = tuple(
    f"{resource.value}:{event.name}" for resource in Resource for event in LIFECYCLE_OF[resource].events
)


def expect_action(role: Role, scope: str, variant: str | None) -> int:
    """A stale expected_version: whoever passes scope and role is stopped at 409 (state or version), writing nothing."""
    resource, event = (variant or "").split(":")
    expect = declared(LIFECYCLE_OF[Resource(resource)], event, 409, in_hidden=RESOURCE_HIDDEN[resource])
    return expect(role, scope, variant)


def expect_import(role: Role, scope: str, variant: str | None) -> int:
    if role not in IMPORT_ROLES[variant or ""] | {A}:
        return 403
    if scope == OUT and role is O and variant in (kinds.SOCIAL_WORKERS, kinds.DECLARATIONS):
        return 422  # another organisation's rows: refused cell by cell, nothing written
    if scope == OUT and role is not A and variant == kinds.PLACES:
        return 422  # another city's place: refused on its cell
    return 200


def expect_account_import(role: Role, scope: str, variant: str | None) -> int:
    if role not in roles_for(ACCOUNT_REGISTER, "create") | {A}:
        return 403
    return 422 if scope == OUT and role is not A else 200  # another city's place: refused on its cell


def _account(w: World, target: Side, *, disabled: bool) -> Any:
    """A fresh community account of the side, so that each cell acts on an account of its own."""
    account = new_user(w.session, Role.COMMUNITY, region_id=target.community.id)
    account.disabled = disabled
    w.session.flush()
    return account


def audit_rule(role: Role, scope: str, variant: str | None) -> int:
    hidden = frozenset({E}) if variant == Resource.NODES else frozenset()
    return rule(200, in_hidden=hidden)(role, scope, variant)


OFFICIAL_2099 = """\
year: 2099
source: 矩阵测试
holidays:
  - {name: 元旦, start: 2099-01-01, end: 2099-01-02}
"""


def _entity(target: Side, resource: str) -> Any:
    return {
        Resource.PROJECTS: target.project,
        Resource.NODES: target.node,
        Resource.REVIEW_ASSIGNMENTS: target.assignment,
    }[Resource(resource)]


def _declaration_body(w: World, target: Side) -> Request:
    return {
        "json": declaration_json(
            w.session, programme=target.programme, organisation=target.organisation, district_name=target.district.name
        )
    }


def _assignment_body(w: World, target: Side) -> Request:
    cast = factories.cast(w.session, programme=target.programme, district_name=target.district.name)
    paths.drive_project(w.session, cast, paths.TO_UNDER_REVIEW)
    expert = factories.expert(w.session)
    w.session.flush()
    due = (factories.DECLARATION_DAY + timedelta(days=10)).date().isoformat()
    return {"json": {"project_id": cast.project.id, "expert_id": expert.id, "due_date": due}}


def _import_body(w: World, target: Side, kind: str) -> Request:
    data = {
        kinds.ORGANISATIONS: workbooks.organisations,
        kinds.EXPERTS: workbooks.experts,
        kinds.SOCIAL_WORKERS: lambda: workbooks.social_workers(target),
        kinds.DECLARATIONS: lambda: workbooks.declarations(w.session, target),
        kinds.PLACES: lambda: new_street_workbook(w.session, target),
        kinds.CREDIT_RECORDS: lambda: credit_workbook(target.organisation.credit_code),
    }[kind]()
    return {"files": {"file": ("导入.xlsx", data, XLSX)}}


def _attachment_request(w: World, target: Side) -> Request:
    """A file kept for the side's node, named as an upload names it."""
    reference = store_attachment(w.api.settings.files_dir, node_id=target.node.id, filename="报告.pdf", data=PDF)
    return {"path": {"node_id": target.node.id, "name": reference.rsplit("/", 1)[1]}}


def _feed_request(w: World, target: Side) -> Request:
    """The side's expert's current feed URL: the token alone opens it, whoever asks."""
    feed = issue_calendar_feed(
        w.session,
        user=target.users[E],
        actor=actor_of(target.users[E]),
        secret_key=w.api.settings.secret_key,
        public_url=w.api.settings.public_url,
        now=factories.DECLARATION_DAY,
    )
    return {"url": urlsplit(feed.url).path}


def _bulletin_request(w: World, target: Side) -> Request:
    """The side's 2022-Q4 bulletin, published (again: the same file, no new notice) before each cell."""
    period = parse_period("2022-Q4")
    publish_bulletin(
        w.session,
        programme_code=target.programme.code,
        period=period,
        as_of=period.last,
        now=factories.DECLARATION_DAY,
        files_dir=w.api.settings.files_dir,
    )
    return {"path": {"programme_id": target.programme.id, "period": period.label}}


@dataclass(frozen=True)
class Endpoint:
    expect: Expect
    request: Callable[[World, Side, str | None], Request]
    variants: tuple[str | None, ...] = (None,)
    anonymous: int = 401


V1 = "/api/v1"
ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("POST", f"{V1}/login/access-token"): Endpoint(
        lambda role, scope, _: 200 if scope == IN else 401,
        lambda w, t, _: {"data": {"username": "", "password": PASSWORD}},  # filled per role below
        anonymous=422,
    ),
    ("GET", f"{V1}/users/me"): Endpoint(everyone(), lambda w, t, _: {"url": f"{V1}/users/me"}),
    ("GET", f"{V1}/users"): Endpoint(
        rule(200, roles_for(ACCOUNT_REGISTER, "create"), out_hidden=frozenset()), lambda w, t, _: {}
    ),
    ("POST", f"{V1}/users/me/password"): Endpoint(
        everyone(422),  # a wrong old password: every signed-in user reaches the check, nothing changes
        lambda w, t, _: {"json": {"old_password": "wrong-pass", "new_password": "another-horse-staple"}},
    ),
    ("POST", f"{V1}/users/import"): Endpoint(
        expect_account_import,
        lambda w, t, _: {"files": {"file": ("账号.xlsx", accounts_workbook(w.session, t), XLSX)}},
    ),
    **{
        ("POST", f"{V1}/users/{{user_id}}/{segment}"): Endpoint(
            declared(ACCOUNT_REGISTER, action, 200, out_hidden=frozenset({C, D})),
            lambda w, t, _, disabled=(action == "enable"): {
                "path": {"user_id": _account(w, t, disabled=disabled).id},
                "json": {"reason": "矩阵测试"},
            },
        )
        for segment, action in (("disable", "disable"), ("enable", "enable"), ("reset-password", "reset_password"))
    },
    ("POST", f"{V1}/users"): Endpoint(
        declared(ACCOUNT_REGISTER, "create", 201, out_hidden=frozenset({C, D})),
        lambda w, t, _: {
            "json": {
                "username": factories.unique("account"),
                "password": PASSWORD,
                "role": Role.COMMUNITY.value,
                "region_id": t.community.id,
            }
        },
    ),
    ("GET", f"{V1}/regions"): Endpoint(everyone(), lambda w, t, _: {}),
    ("GET", f"{V1}/regions/{{region_id}}"): Endpoint(
        everyone(), lambda w, t, _: {"path": {"region_id": t.community.id}}
    ),
    ("POST", f"{V1}/regions"): Endpoint(
        declared(REGION_REGISTER, "add", 201, out_hidden=frozenset({C, D})),
        lambda w, t, _: {"json": {"parent_id": t.district.id, "name": factories.unique("矩阵街道")}},
    ),
    ("PATCH", f"{V1}/regions/{{region_id}}"): Endpoint(
        declared(REGION_REGISTER, "edit", 409, out_hidden=frozenset({C, D})),  # a stale version: nothing written
        lambda w, t, _: {"path": {"region_id": t.street.id}, "json": {"name": "矩阵测试", "expected_version": 999}},
    ),
    ("GET", f"{V1}/programmes"): Endpoint(everyone(), lambda w, t, _: {}),
    ("GET", f"{V1}/programmes/{{programme_id}}"): Endpoint(
        everyone(), lambda w, t, _: {"path": {"programme_id": t.programme.id}}
    ),
    ("POST", f"{V1}/programmes"): Endpoint(  # the side's own programme, loaded again: another city's is not found
        rule(201, roles_for(PROGRAMME_REGISTER, "load"), out_hidden=frozenset({C})),
        lambda w, t, _: {"files": {"file": ("programme.yaml", programme_yaml(t.programme), "application/yaml")}},
    ),
    ("GET", f"{V1}/organisations"): Endpoint(rule(200, NOT_EXPERT, out_hidden=frozenset()), lambda w, t, _: {}),
    ("GET", f"{V1}/organisations/{{organisation_id}}"): Endpoint(
        rule(200, NOT_EXPERT, out_hidden=frozenset({O})),
        lambda w, t, _: {"path": {"organisation_id": t.organisation.id}},
    ),
    ("POST", f"{V1}/organisations"): Endpoint(
        declared(ORGANISATION_REGISTER, "register", 201, out_hidden=frozenset()),
        lambda w, t, _: {
            "json": {
                "name": factories.unique("机构"),
                "credit_code": credit_code(),
                "registered_with_civil_affairs": True,
            }
        },
    ),
    ("GET", f"{V1}/social-workers"): Endpoint(rule(200, NOT_EXPERT, out_hidden=frozenset()), lambda w, t, _: {}),
    ("PATCH", f"{V1}/organisations/{{organisation_id}}"): Endpoint(  # organisations belong to no place
        declared(ORGANISATION_REGISTER, "edit", 200, out_hidden=frozenset()),
        lambda w, t, _: {
            "path": {"organisation_id": t.organisation.id},
            "json": {"contact_email": f"{factories.unique('org')}@example.cn"},
        },
    ),
    ("PATCH", f"{V1}/social-workers/{{worker_id}}"): Endpoint(  # an organisation: its own staff only
        lambda role, scope, v: declared(SOCIAL_WORKER_REGISTER, "edit", 200)(role, IN if role is not O else scope, v),
        lambda w, t, _: {"path": {"worker_id": t.worker.id}, "json": {"social_work_degree": True}},
    ),
    ("GET", f"{V1}/social-workers/{{worker_id}}"): Endpoint(
        rule(200, NOT_EXPERT, out_hidden=frozenset({O})), lambda w, t, _: {"path": {"worker_id": t.worker.id}}
    ),
    ("POST", f"{V1}/social-workers"): Endpoint(
        lambda role, scope, v: declared(SOCIAL_WORKER_REGISTER, "register", 201)(
            role, IN if role is not O else scope, v
        ),
        lambda w, t, _: {
            "json": {"name": factories.unique("社工"), "qualification": "assistant", "employer_id": t.organisation.id}
        },
    ),
    ("GET", f"{V1}/credit-records"): Endpoint(rule(200, NOT_EXPERT, out_hidden=frozenset()), lambda w, t, _: {}),
    ("POST", f"{V1}/credit-records"): Endpoint(
        declared(CREDIT_REGISTER, "enter", 201, out_hidden=frozenset({O})),  # an organisation sees only its own
        lambda w, t, _: {
            "json": {
                "kind": "penalty",
                "organisation_id": t.organisation.id,
                "imposed_on": "2021-05-10",
                "authority": "矩阵测试",
                "reason": "矩阵测试",
            }
        },
    ),
    ("POST", f"{V1}/credit-records/blacklist/{{entry_id}}/lift"): Endpoint(
        declared(CREDIT_REGISTER, "lift", 200, out_hidden=frozenset({O})),
        lambda w, t, _: {
            "path": {"entry_id": expired_blacklist_entry(w.session, t.organisation).id},
            "json": {"reason": "矩阵测试"},
        },
    ),
    ("GET", f"{V1}/experts"): Endpoint(rule(200, frozenset({C, E}), out_hidden=frozenset()), lambda w, t, _: {}),
    ("GET", f"{V1}/experts/{{expert_id}}"): Endpoint(
        rule(200, frozenset({C, E}), out_hidden=frozenset({E})), lambda w, t, _: {"path": {"expert_id": t.expert.id}}
    ),
    ("POST", f"{V1}/experts"): Endpoint(
        declared(EXPERT_REGISTER, "register", 201, out_hidden=frozenset()),
        lambda w, t, _: {"json": {"name": factories.unique("专家")}},
    ),
    ("PATCH", f"{V1}/experts/{{expert_id}}"): Endpoint(
        declared(EXPERT_REGISTER, "edit", 200, out_hidden=frozenset()),
        lambda w, t, _: {"path": {"expert_id": t.expert.id}, "json": {"field_of_expertise": "矩阵测试"}},
    ),
    ("GET", f"{V1}/projects"): Endpoint(everyone(), lambda w, t, _: {"params": {"programme_id": t.programme.id}}),
    ("GET", f"{V1}/projects/{{project_id}}"): Endpoint(
        rule(200), lambda w, t, _: {"path": {"project_id": t.project.id}}
    ),
    ("POST", f"{V1}/projects"): Endpoint(
        declared(PROJECT, "declare", 201, out_hidden=frozenset({O})),  # an organisation declares in its own name
        lambda w, t, _: _declaration_body(w, t),
    ),
    ("GET", f"{V1}/projects/{{project_id}}/nodes"): Endpoint(
        rule(200, in_hidden=frozenset({E})), lambda w, t, _: {"path": {"project_id": t.project.id}}
    ),
    ("GET", f"{V1}/nodes/{{node_id}}"): Endpoint(
        rule(200, in_hidden=frozenset({E})), lambda w, t, _: {"path": {"node_id": t.node.id}}
    ),
    ("POST", f"{V1}/nodes/{{node_id}}/attachments"): Endpoint(
        rule(201, roles_for(ATTACHMENT_REGISTER, "upload"), out_hidden=frozenset({O})),
        lambda w, t, _: {
            "path": {"node_id": t.node.id},
            "files": {"file": ("报告.pdf", PDF, "application/pdf")},
        },
    ),
    ("POST", f"{V1}/nodes/{{node_id}}/extension"): Endpoint(
        declared(BY_NAME["node"], "extend", 409, in_hidden=frozenset({E})),
        lambda w, t, _: {
            "path": {"node_id": t.node.id},
            "json": {"new_due_date": "2030-01-07", "reason": "矩阵测试", "expected_version": 999},
        },
    ),
    ("GET", f"{V1}/review-assignments"): Endpoint(everyone(), lambda w, t, _: {"params": {"project_id": t.project.id}}),
    ("GET", f"{V1}/review-assignments/{{assignment_id}}"): Endpoint(
        rule(200), lambda w, t, _: {"path": {"assignment_id": t.assignment.id}}
    ),
    ("POST", f"{V1}/review-assignments"): Endpoint(
        declared(REVIEW_ASSIGNMENT, "assign", 201, in_hidden=frozenset({S, M, O, E})),
        lambda w, t, _: _assignment_body(w, t),
    ),
    ("POST", f"{V1}/review-assignments/{{assignment_id}}/extension"): Endpoint(
        declared(REVIEW_ASSIGNMENT, "extend_due_date", 409),
        lambda w, t, _: {
            "path": {"assignment_id": t.assignment.id},
            "json": {"new_due_date": "2030-01-07", "reason": "矩阵测试", "expected_version": 999},
        },
    ),
    ("GET", f"{V1}/calendar/official-years"): Endpoint(everyone(), lambda w, t, _: {}),
    ("GET", f"{V1}/calendar/days"): Endpoint(
        everyone(), lambda w, t, _: {"params": {"from": "2024-09-28", "to": "2024-10-08"}}
    ),
    ("POST", f"{V1}/calendar/official-years"): Endpoint(
        rule(200, roles_for(CALENDAR_REGISTER, "load"), out_hidden=frozenset()),
        lambda w, t, _: {"files": {"file": ("2099.yaml", OFFICIAL_2099.encode(), "application/yaml")}},
    ),
    ("GET", f"{V1}/notices"): Endpoint(
        rule(200, frozenset({C}), out_hidden=frozenset()), lambda w, t, _: {"params": {"status": "failed"}}
    ),
    ("POST", f"{V1}/notices/{{notice_id}}/requeue"): Endpoint(  # a notice about the side's node
        rule(200, roles_for(NOTICE_REGISTER, "requeue"), out_hidden=frozenset({C})),
        lambda w, t, _: {
            "path": {"notice_id": failed_notice_about(w.session, factories.DECLARATION_DAY, "node", t.node.id).id}
        },
    ),
    ("GET", f"{V1}/dev/caught-mail"): Endpoint(rule(200, frozenset({C}), out_hidden=frozenset()), lambda w, t, _: {}),
    ("GET", f"{V1}/dev/caught-mail/{{name}}"): Endpoint(
        rule(200, frozenset({C}), out_hidden=frozenset()),
        lambda w, t, _: {"path": {"name": catch_mail(w.api.settings)}},
    ),
    ("POST", f"{V1}/imports/{{kind}}"): Endpoint(
        expect_import,
        lambda w, t, kind: {"path": {"kind": kind}, **_import_body(w, t, kind or "")},
        variants=kinds.KINDS,
    ),
    ("GET", f"{V1}/nodes/mine"): Endpoint(everyone(), lambda w, t, _: {}),
    ("GET", f"{V1}/nodes/{{node_id}}/attachments/{{name}}"): Endpoint(
        rule(200, in_hidden=frozenset({E})), lambda w, t, _: _attachment_request(w, t)
    ),
    ("GET", f"{V1}/programmes/{{programme_id}}/node-plan"): Endpoint(
        everyone(), lambda w, t, _: {"path": {"programme_id": t.programme.id}}
    ),
    ("GET", f"{V1}/review-assignments/{{assignment_id}}/invitation.ics"): Endpoint(
        rule(200, frozenset({C, E})), lambda w, t, _: {"path": {"assignment_id": t.assignment.id}}
    ),
    ("POST", f"{V1}/review-assignments/calendar-feed"): Endpoint(
        declared(CALENDAR_FEED_REGISTER, "issue", 201, out_hidden=frozenset()),
        lambda w, t, _: {},  # an expert's own feed only
    ),
    ("DELETE", f"{V1}/review-assignments/calendar-feed"): Endpoint(
        declared(CALENDAR_FEED_REGISTER, "revoke", 204, out_hidden=frozenset()), lambda w, t, _: {}
    ),
    ("GET", f"{V1}/review-assignments/calendar-feed/{{token}}"): Endpoint(
        lambda role, scope, _: 200,
        lambda w, t, _: _feed_request(w, t),
        anonymous=200,  # the token is the key
    ),
    ("GET", f"{V1}/imports/{{kind}}/template"): Endpoint(
        everyone(), lambda w, t, kind: {"path": {"kind": kind}}, variants=kinds.KINDS
    ),
    ("GET", f"{V1}/clock"): Endpoint(everyone(), lambda w, t, _: {}),
    ("POST", f"{V1}/clock"): Endpoint(  # the matrix's service lives on the wall clock: a declared role gets 409
        declared(CLOCK_REGISTER, ADVANCE_CLOCK, 409, out_hidden=frozenset()),
        lambda w, t, _: {"json": {"to": "2099-01-01T09:00:00+08:00", "expected_version": 0}},
    ),
    ("POST", f"{V1}/clock/play"): Endpoint(  # as above: the wall clock's service refuses a declared role with 409
        declared(CLOCK_REGISTER, ADVANCE_CLOCK, 409, out_hidden=frozenset()), lambda w, t, _: {}
    ),
    ("GET", f"{V1}/clock/play"): Endpoint(
        declared(CLOCK_REGISTER, ADVANCE_CLOCK, 200, out_hidden=frozenset()), lambda w, t, _: {}
    ),
    ("GET", f"{V1}/bulletins"): Endpoint(
        rule(200, frozenset({C, D, S}), out_hidden=frozenset()),
        lambda w, t, _: {"params": {"programme_id": t.programme.id}},
    ),
    ("POST", f"{V1}/bulletins"): Endpoint(
        rule(201, roles_for(BULLETIN_REGISTER, "publish")),
        lambda w, t, _: {"json": {"programme_id": t.programme.id, "period": "2022-Q4"}},
    ),
    ("GET", f"{V1}/bulletins/{{programme_id}}/{{period}}"): Endpoint(
        rule(200, frozenset({C, D, S})), lambda w, t, _: _bulletin_request(w, t)
    ),
    ("POST", f"{V1}/{{resource}}/{{entity_id}}/actions/{{event}}"): Endpoint(
        expect_action,
        lambda w, t, variant: {
            "path": {
                "resource": (variant or "").split(":")[0],
                "entity_id": _entity(t, (variant or "").split(":")[0]).id,
                "event": (variant or "").split(":")[1],
            },
            "json": {"expected_version": 999, "reason": "矩阵测试"},
        },
        variants=ACTION_VARIANTS,
    ),
    ("GET", f"{V1}/{{resource}}/{{entity_id}}/audit"): Endpoint(
        audit_rule,
        lambda w, t, resource: {"path": {"resource": resource, "entity_id": _entity(t, resource or "").id}},
        variants=tuple(Resource),
    ),
}

# From the app's routes as its OpenAPI document lists them (included routers are resolved lazily); in dev mode, so
# that the dev-only routes are covered too.
API_ROUTES = sorted(
    (method.upper(), path)
    for path, operations in create_app(Settings(mode="dev")).openapi()["paths"].items()
    if path.startswith(V1)
    for method in operations
)


PAST_THE_PERMISSION_CHECK = ("stale_version", "event_not_allowed_in_state", "clock.not_simulated")
ACTIONS_ROUTE = ("POST", f"{V1}/{{resource}}/{{entity_id}}/actions/{{event}}")
# The HTTP entry point of each declared action that is not a transition (those all go through ACTIONS_ROUTE).
ENTRY_POINTS: dict[tuple[str, str], tuple[str, str]] = {
    ("project", "declare"): ("POST", f"{V1}/projects"),
    ("node", "extend"): ("POST", f"{V1}/nodes/{{node_id}}/extension"),
    ("review_assignment", "assign"): ("POST", f"{V1}/review-assignments"),
    ("review_assignment", "extend_due_date"): ("POST", f"{V1}/review-assignments/{{assignment_id}}/extension"),
    ("organisation", "register"): ("POST", f"{V1}/organisations"),
    ("social_worker", "register"): ("POST", f"{V1}/social-workers"),
    ("expert", "register"): ("POST", f"{V1}/experts"),
    ("organisation", "edit"): ("PATCH", f"{V1}/organisations/{{organisation_id}}"),
    ("social_worker", "edit"): ("PATCH", f"{V1}/social-workers/{{worker_id}}"),
    ("expert", "edit"): ("PATCH", f"{V1}/experts/{{expert_id}}"),
    ("programme", "load"): ("POST", f"{V1}/programmes"),
    ("official_year", "load"): ("POST", f"{V1}/calendar/official-years"),
    ("attachment", "upload"): ("POST", f"{V1}/nodes/{{node_id}}/attachments"),
    ("notice", "requeue"): ("POST", f"{V1}/notices/{{notice_id}}/requeue"),
    ("user", "create"): ("POST", f"{V1}/users"),
    ("bulletin", "publish"): ("POST", f"{V1}/bulletins"),
    ("user", "disable"): ("POST", f"{V1}/users/{{user_id}}/disable"),
    ("user", "enable"): ("POST", f"{V1}/users/{{user_id}}/enable"),
    ("user", "reset_password"): ("POST", f"{V1}/users/{{user_id}}/reset-password"),
    ("credit_record", "enter"): ("POST", f"{V1}/credit-records"),
    ("credit_record", "lift"): ("POST", f"{V1}/credit-records/blacklist/{{entry_id}}/lift"),
    ("region", "add"): ("POST", f"{V1}/regions"),
    ("region", "edit"): ("PATCH", f"{V1}/regions/{{region_id}}"),
    ("service_clock", "advance"): ("POST", f"{V1}/clock"),
    ("calendar_feed", "issue"): ("POST", f"{V1}/review-assignments/calendar-feed"),
    ("calendar_feed", "revoke"): ("DELETE", f"{V1}/review-assignments/calendar-feed"),
}


def entry_points(subject: str, action: str) -> set[tuple[str, str]]:
    """Where HTTP reaches the permission check of one declared action."""
    found = {ENTRY_POINTS[(subject, action)]} if (subject, action) in ENTRY_POINTS else set()
    lifecycle = BY_NAME.get(subject)
    if lifecycle is not None and isinstance(lifecycle.action(action), Event):
        found.add(ACTIONS_ROUTE)
    return found


def test_every_endpoint_has_its_cells() -> None:
    assert set(ENDPOINTS) == set(API_ROUTES)
    assert set(ENDPOINTS[("POST", f"{V1}/imports/{{kind}}")].variants) == set(kinds.KINDS)
    resources = {variant.split(":")[0] for variant in ENDPOINTS[ACTIONS_ROUTE].variants}
    assert resources == set(Resource)


def test_every_declared_action_has_an_http_entry_point() -> None:
    """A declaration added without a way in over HTTP (or an entry point left for a removed one) fails here."""
    assert set(ENTRY_POINTS) <= set(EXPECTED_ROLES)
    missing = [key for key in EXPECTED_ROLES if not entry_points(*key)]
    assert not missing, f"declared actions without an HTTP entry point: {missing}"
    fired = {(LIFECYCLE_OF[Resource(v.split(":")[0])].name, v.split(":")[1]) for v in ACTION_VARIANTS}
    transitions = {
        key for key in EXPECTED_ROLES if isinstance(BY_NAME.get(key[0]) and BY_NAME[key[0]].action(key[1]), Event)
    }
    assert fired == transitions
    assert all(ENTRY_POINTS[key] in API_ROUTES for key in ENTRY_POINTS)


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two sides built once for the module, inside one transaction that is rolled back at its end."""
    with engine.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
            a, b = side(session), side(session)
            files: Path = tmp_path_factory.mktemp("files")
            with api_on(connection, files, factories.DECLARATION_DAY, mode="dev") as api:
                yield World(api, session, a, b)
        outer.rollback()


def _send(w: World, method: str, path: str, request: Request, headers: dict[str, str]) -> Any:
    url = request.pop("url", None) or path.format(**request.pop("path", {}))
    return w.api.client.request(method, url, headers=headers, **request)


@pytest.mark.parametrize(("method", "path"), API_ROUTES, ids=[f"{m} {p.removeprefix(V1)}" for m, p in API_ROUTES])
def test_cells(world: World, method: str, path: str) -> None:
    endpoint = ENDPOINTS[(method, path)]
    wrong = []
    for variant in endpoint.variants:
        for role in Role:
            for scope, target in ((IN, world.a), (OUT, world.b)):
                expected = endpoint.expect(role, scope, variant)
                request = endpoint.request(world, target, variant)
                user = world.a.users[role]
                if "login" in path:
                    request["data"] = {"username": user.username, "password": PASSWORD if scope == IN else "wrong-pass"}
                    headers: dict[str, str] = {}
                else:
                    headers = world.api.headers(user)
                response = _send(world, method, path, request, headers)
                if response.status_code != expected:
                    wrong.append(
                        f"{role.value:17} {scope:3} {variant or '':18} expected {expected}, "
                        f"got {response.status_code}: {response.text[:160]}"
                    )
                elif expected >= 400:
                    assert response.headers["content-type"] == "application/problem+json"
                    if expected == 409:  # past the permission check: stopped by the state, the version or the mode
                        assert response.json()["code"] in PAST_THE_PERMISSION_CHECK
        anonymous = _send(world, method, path, endpoint.request(world, world.a, variant), {})
        if anonymous.status_code != endpoint.anonymous:
            wrong.append(f"anonymous {variant or ''}: expected {endpoint.anonymous}, got {anonymous.status_code}")
    assert not wrong, "\n".join(wrong)
