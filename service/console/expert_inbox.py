"""The expert's inbox (评审任务): assigned reviews soonest due first, accept or decline, the scoring form built from
the programme's rubric, the .ics invitation and the personal calendar feed, all through the API's use cases."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from models.dates import shanghai_date
from models.errors import OutOfScope, RoleNotAllowed, RulesFailed
from models.lifecycles import REVIEW_ASSIGNMENT
from models.payloads import InvalidPayload
from models.programme_spec import Rubric
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import User
from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.api.params import EntityId
from service.commands.actions import ActionRequest
from service.commands.calendar_feeds import issue_calendar_feed
from service.console.action_forms import PostedActionDep, answer_action, answer_posted_action, done_label
from service.console.form_input import PAGE_SIZE, PageNumber, page_count
from service.console.refusals import ConsoleRoute, error_page
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import render
from service.files import download
from service.queries.entities import Resource
from service.queries.places import programme_detail
from service.queries.projects import project_detail
from service.queries.reviews import assignment_detail, assignment_invitation, list_assignments

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
INBOX_PATH = "/console/reviews"
SCORE_EVENT = "submit_scores"
ANSWER_EVENTS = frozenset({"accept", "decline"})  # the buttons of the detail page; scores go through the form
STATE_FILTERS = tuple(REVIEW_ASSIGNMENT.states.items())
# The API's .ics route reads for these roles only (`ExpertOrCoordinator`, the administrator besides).
INVITATION_ROLES = frozenset({Role.CITY_COORDINATOR, Role.EXPERT, Role.ADMIN})


@router.get(INBOX_PATH)
def inbox(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    page: PageNumber = 1,
    state: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _inbox_page(request, session, now=now, user=user, actor=actor, page=page, state=state)


def _inbox_page(
    request: Request,
    session: SessionDep,
    *,
    now: datetime,
    user: User,
    actor: Actor,
    page: int,
    state: str,
    feed_url: str | None = None,
) -> Response:
    """The list as the API's list answers it (due date, then id); an unknown state filter shows everything."""
    chosen = state if state in REVIEW_ASSIGNMENT.states else ""
    found = list_assignments(
        session, actor=actor, project_id=None, states=(chosen,) if chosen else (), page=page, page_size=PAGE_SIZE
    )
    return render(
        request,
        "console/expert_inbox.html",
        user=user,
        found=found,
        page=page,
        pages=page_count(found.total),
        state=chosen,
        state_filters=STATE_FILTERS,
        today=shanghai_date(now),
        is_expert=actor.role is Role.EXPERT,
        feed_url=feed_url,
    )


@router.post(f"{INBOX_PATH}/calendar-feed", dependencies=[CsrfChecked])
def new_feed(
    request: Request, session: SessionDep, settings: SettingsDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor
) -> Response:
    """The API's feed use case: a new URL, shown once to copy (nothing secret is stored); the old one stops."""
    feed = issue_calendar_feed(
        session, user=user, actor=actor, secret_key=settings.secret_key, public_url=settings.public_url, now=now
    )
    return _inbox_page(request, session, now=now, user=user, actor=actor, page=1, state="", feed_url=feed.url)


def review_view(session: Session, *, actor: Actor, assignment_id: int, now: datetime) -> dict[str, Any]:
    """The assignment, its declaration as the API shows it to this reader (blind: no organisation, no team) and
    the rubric of its programme."""
    assignment = assignment_detail(session, actor=actor, assignment_id=assignment_id, now=now)
    try:
        project = project_detail(session, actor=actor, project_id=assignment.project_id, today=shanghai_date(now))
    except OutOfScope:  # a withdrawn assignment: its expert still reads the notice's page, not the declaration
        project = None
    rubric = (
        None
        if project is None
        else Rubric.model_validate(programme_detail(session, programme_id=project.programme_id).spec["rubric"])
    )
    actions = {action.event: action for action in assignment.allowed_actions}
    return {
        "assignment": assignment,
        "project": project,
        "rubric": rubric,
        "rubric_total": sum(criterion.max_score for criterion in rubric.criteria) if rubric else 0,
        "answers": [action for event, action in actions.items() if event in ANSWER_EVENTS],
        "scoring": actions.get(SCORE_EVENT) if rubric else None,
        "given": {score.criterion: score for score in assignment.scores},
        "may_download": actor.role in INVITATION_ROLES,
    }


@router.get(INBOX_PATH + "/{assignment_id}")
def review_page(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    assignment_id: EntityId,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    view = review_view(session, actor=actor, assignment_id=assignment_id, now=now)
    return render(
        request,
        "console/review.html",
        user=user,
        done_label=done_label(REVIEW_ASSIGNMENT, done),
        entered={},
        errors={},
        **view,
    )


@router.post(INBOX_PATH + "/{assignment_id}/actions/{event}", dependencies=[CsrfChecked])
def answer(posted: PostedActionDep, assignment_id: EntityId) -> Response:
    """Accept or decline through the API's action use case: role, state, version and the reason are checked there."""
    if posted.event not in ANSWER_EVENTS:
        return error_page(posted.request, status=404, message="页面不存在，请从“评审任务”重新进入")
    return answer_posted_action(
        posted,
        lifecycle=REVIEW_ASSIGNMENT,
        resource=Resource.REVIEW_ASSIGNMENTS,
        entity_id=assignment_id,
        page_url=f"{INBOX_PATH}/{assignment_id}",
    )


@router.post(INBOX_PATH + "/{assignment_id}/scores", dependencies=[CsrfChecked])
async def submit_scores(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    assignment_id: EntityId,
) -> Response:
    """The scoring form: each entry read as a whole number here, every rule (range, completeness) the use case's,
    and each refusal shown next to its criterion."""
    view = review_view(session, actor=actor, assignment_id=assignment_id, now=now)
    rubric: Rubric | None = view["rubric"]
    if rubric is None:
        return error_page(request, status=409, message="本评审任务已撤回，不能再提交评分")
    form = await request.form()
    entered = {key: value for key, value in form.items() if isinstance(value, str)}
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for criterion in rubric.criteria:
        raw = entered.get(f"score-{criterion.code}", "").strip()
        if raw.isascii() and raw.isdigit() and len(raw) <= 6:
            scores[criterion.code] = int(raw)
        else:
            errors[criterion.code] = f"请填写 0 至 {criterion.max_score} 之间的整数分值"
    comments = {
        c.code: entered[f"comment-{c.code}"].strip() for c in rubric.criteria if entered.get(f"comment-{c.code}")
    }
    version = entered.get("expected_version", "")
    if not errors:
        try:
            action = ActionRequest(
                expected_version=int(version) if version.isdigit() else -1,
                payload={"scores": scores, "comments": comments},
            )
            return answer_action(
                request,
                session,
                resource=Resource.REVIEW_ASSIGNMENTS,
                entity_id=assignment_id,
                event=SCORE_EVENT,
                action=action,
                actor=actor,
                now=now,
                files_dir=settings.files_dir,
                page_url=f"{INBOX_PATH}/{assignment_id}",
            )
        except ValidationError:
            errors[""] = "表单已过期，请刷新本页后重新填写"
        except RulesFailed as exc:
            session.rollback()
            errors |= _by_criterion(rubric, [(v.message, v.message) for v in exc.violations])
        except InvalidPayload as exc:
            session.rollback()
            errors |= _by_criterion(rubric, exc.fields)
    return render(
        request, "console/review.html", status=422, user=user, done_label=None, entered=entered, errors=errors, **view
    )


def _by_criterion(rubric: Rubric, refusals: list[tuple[str, str]]) -> dict[str, str]:
    """Each refusal beside the criterion it names (by its code in a field path, or its name in the sentence)."""
    errors: dict[str, str] = {}
    for where, message in refusals:
        code = next(
            (c.code for c in rubric.criteria if where.endswith(f".{c.code}") or message.startswith(f"{c.name} ")),
            "",
        )
        errors[code] = f"{errors[code]}；{message}" if code in errors else message
    return errors


@router.get(INBOX_PATH + "/{assignment_id}/invitation.ics")
def invitation(
    session: SessionDep, settings: SettingsDep, now: ClockDep, actor: ConsoleActor, assignment_id: EntityId
) -> Response:
    """The invitation its mail carried (same UID and SEQUENCE), from the use case the API's download serves."""
    if actor.role not in INVITATION_ROLES:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权执行此操作")
    ics, filename = assignment_invitation(
        session,
        actor=actor,
        assignment_id=assignment_id,
        sender=settings.smtp_sender,
        public_url=settings.public_url,
        now=now,
    )
    return download(ics.encode("utf-8"), filename=filename)
