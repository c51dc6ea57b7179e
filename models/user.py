"""People who sign in: a role and the region, organisation or expert that bounds what they see."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, enum_column
from models.roles import Role


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=100)
    hashed_password: str = Field(max_length=255)
    role: Role = Field(sa_column=enum_column(Role))
    region_id: int | None = Field(default=None, foreign_key="region.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    expert_id: int | None = Field(default=None, foreign_key="expert.id")
    disabled: bool = False
    created_at: datetime = Field(sa_column=aware_datetime_column())
