"""Experts and third-party evaluators, and the conflicts of interest that bar an assignment."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Expert(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    field_of_expertise: str = Field(default="", max_length=200)
    employer_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=255)


class ExpertConflict(SQLModel, table=True):
    """The expert may not review declarations of this organisation (利益冲突)."""

    __table_args__ = (UniqueConstraint("expert_id", "organisation_id", name="uq_conflict_expert_org"),)

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    reason: str = Field(default="", max_length=500)
