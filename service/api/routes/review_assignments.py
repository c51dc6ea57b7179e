"""Review assignments and their scores; the coordinator assigns, the expert accepts and scores."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from models.lifecycles import REVIEW_ASSIGNMENT
from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.params import EntityId, Format, OptionalId, PageNumber, PageSize
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.extensions import AssignmentExtension, extend_assignment
from service.commands.reviews import AssignmentCreate, create_assignment
from service.excel.exporting import export_rows
from service.queries import reviews
from service.queries.common import Page
from service.queries.reviews import AssignmentDetail, AssignmentPublic

router = APIRouter(prefix="/review-assignments", tags=["review-assignments"])
AssignmentState = Literal[tuple(REVIEW_ASSIGNMENT.states)]  # type: ignore[valid-type]


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
def read_assignment(session: SessionDep, actor: CurrentActor, assignment_id: EntityId) -> AssignmentDetail:
    return reviews.assignment_detail(session, actor=actor, assignment_id=assignment_id)


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
