"""Expert review: an assignment of one declaration to one expert, and the rubric scores given."""

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ReviewAssignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "expert_id", name="uq_assignment_project_expert"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    due_date: date
    state: str = Field(default="offered", max_length=30, index=True)
    version: int = Field(default=1)


class ReviewScore(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("assignment_id", "criterion", name="uq_score_assignment_criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="reviewassignment.id", index=True)
    criterion: str = Field(max_length=40)
    score: int = Field(ge=0)
    comment: str = Field(default="", max_length=2000)
