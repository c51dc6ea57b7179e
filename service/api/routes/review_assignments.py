"""Review assignments and their scores; the coordinator assigns, the expert accepts and scores, and carries the
due dates into a calendar (an .ics per assignment, or a feed URL a calendar client reads without signing in)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from models.input_policy import ONE_LINE
from models.lifecycles import REVIEW_ASSIGNMENT
from models.roles import Actor, Role
from service.api.deps import ClockDep, CurrentActor, CurrentUser, SessionDep, SettingsDep, require_roles
from service.api.params import EntityId, Format, OptionalId, PageNumber, PageSize
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.calendar_feeds import CalendarFeed, feed_expert, issue_calendar_feed, revoke_calendar_feed
from service.commands.extensions import AssignmentExtension, extend_assignment
from service.commands.reviews import AssignmentCreate, create_assignment
from service.excel.exporting import export_rows
from service.files import MEDIA_TYPES, binary_responses, download
from service.queries import reviews
from service.queries.common import Page
from service.queries.reviews import AssignmentDetail, AssignmentPublic

router = APIRouter(prefix="/review-assignments", tags=["review-assignments"])
AssignmentState = Literal[tuple(REVIEW_ASSIGNMENT.states)]  # type: ignore[valid-type]
ICS = MEDIA_TYPES[".ics"]
ExpertOrCoordinator = Annotated[Actor, Depends(require_roles(Role.CITY_COORDINATOR, Role.EXPERT))]
FeedToken = Annotated[str, Path(max_length=120, description="订阅地址中的密钥"), ONE_LINE]


@router.get("", response_model=Page[AssignmentPublic], responses=XLSX_RESPONSES)
def read_assignments(
    session: SessionDep,
    actor: CurrentActor,
    project_id: OptionalId = None,
    state: Annotated[list[AssignmentState] | None, Query()] = None,  # type: ignore[valid-type]
    page: PageNumber = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> Any:
    states = tuple(state or ())
    if format == "xlsx":
        rows = reviews.all_assignments(session, actor=actor, project_id=project_id, states=states)
        content = export_rows("评审任务", reviews.EXPORT_COLUMNS, (row.model_dump() for row in rows))
        return xlsx_response(content, filename="评审任务")
    return reviews.list_assignments(
        session, actor=actor, project_id=project_id, states=states, page=page, page_size=page_size
    )


@router.get("/{assignment_id}")
def read_assignment(
    session: SessionDep, actor: CurrentActor, now: ClockDep, assignment_id: EntityId
) -> AssignmentDetail:
    return reviews.assignment_detail(session, actor=actor, assignment_id=assignment_id, now=now)


@router.post("", status_code=status.HTTP_201_CREATED)
def assign(session: SessionDep, now: ClockDep, actor: CurrentActor, data: AssignmentCreate) -> AssignmentDetail:
    """把一个专家评审中的申报分配给一位无利益冲突的专家。"""
    return create_assignment(session, data=data, actor=actor, now=now)


@router.post("/{assignment_id}/extension")
def extend(
    session: SessionDep, now: ClockDep, actor: CurrentActor, assignment_id: EntityId, data: AssignmentExtension
) -> AssignmentDetail:
    """延长专家的评审截止日期；专家会收到更新后的日历邀请。"""
    return extend_assignment(session, assignment_id=assignment_id, data=data, actor=actor, now=now)


@router.get("/{assignment_id}/invitation.ics", response_class=Response, responses=binary_responses(ICS))
def download_invitation(
    session: SessionDep, settings: SettingsDep, now: ClockDep, actor: ExpertOrCoordinator, assignment_id: EntityId
) -> Response:
    """评审任务的日历邀请（.ics，与邮件附带的相同：同一 UID，延期后 SEQUENCE 增加）；限该专家与市民政局。"""
    ics, filename = reviews.assignment_invitation(
        session,
        actor=actor,
        assignment_id=assignment_id,
        sender=settings.smtp_sender,
        public_url=settings.public_url,
        now=now,
    )
    return download(ics.encode("utf-8"), filename=filename)


@router.post("/calendar-feed", status_code=status.HTTP_201_CREATED)
def issue_feed(
    session: SessionDep, settings: SettingsDep, now: ClockDep, user: CurrentUser, actor: CurrentActor
) -> CalendarFeed:
    """为本人生成评审日历订阅地址（日历软件无需登录即可读取）；再次生成或撤销后，旧地址失效。"""
    return issue_calendar_feed(
        session, user=user, actor=actor, secret_key=settings.secret_key, public_url=settings.public_url, now=now
    )


@router.delete("/calendar-feed", status_code=status.HTTP_204_NO_CONTENT)
def revoke_feed(session: SessionDep, now: ClockDep, user: CurrentUser, actor: CurrentActor) -> None:
    """撤销本人的评审日历订阅地址。"""
    revoke_calendar_feed(session, user=user, actor=actor, now=now)


@router.get("/calendar-feed/{token}", response_class=Response, responses=binary_responses(ICS))
def read_feed(session: SessionDep, settings: SettingsDep, now: ClockDep, token: FeedToken) -> Response:
    """评审日历订阅（无需登录，凭地址中的密钥）：本人所有待接受、待评分的评审任务的截止日期。"""
    expert_id = feed_expert(session, token=token, secret_key=settings.secret_key)
    ics = reviews.expert_feed(session, expert_id=expert_id, public_url=settings.public_url, now=now)
    return download(ics.encode("utf-8"), filename="评审任务.ics", inline=True)
