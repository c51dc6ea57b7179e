"""A declaration (申报) that may become a contracted pilot project, with its team and budget lines."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column


class Project(SQLModel, table=True):
    # The API's lists filter by programme and state and page by creation time, or by region and state; a
    # district's list and its total are counted from the district index alone, and paged by name from its own.
    __table_args__ = (
        Index("ix_project_programme_state_created", "programme_id", "state", "created_at"),
        Index("ix_project_community_state", "community_id", "state"),
        Index("ix_project_district_programme_state_created", "district_id", "programme_id", "state", "created_at"),
        Index("ix_project_district_title", "district_id", "title"),
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    community_id: int = Field(foreign_key="region.id", index=True)
    # The community's district, set at declaration: communities do not move, so it never changes. Kept on the
    # row because district is how bureaus see and filter the lists (NULL where the tree has no district level).
    district_id: int | None = Field(default=None, foreign_key="region.id")
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    state: str = Field(default="draft", max_length=30, index=True)
    version: int = Field(default=1)
    total_fen: int = Field(ge=0)
    # The community's written application (社区居委会书面申请): its facts and the signed file.
    community_service_area_m2: int = Field(default=0, ge=0)
    street_leader_consent_file: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=aware_datetime_column())


class ProjectTeamMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "social_worker_id", name="uq_team_project_worker"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    social_worker_id: int = Field(foreign_key="socialworker.id")
    full_time: bool = True


class BudgetLine(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "code", name="uq_budget_project_code"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    amount_fen: int = Field(ge=0)
