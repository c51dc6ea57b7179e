"""Professional social workers and their qualification levels."""

from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.columns import enum_column


class Qualification(StrEnum):
    NONE = "none"
    ASSISTANT = "assistant"  # 助理社会工作师
    INTERMEDIATE = "intermediate"  # 社会工作师
    SENIOR = "senior"  # 高级社会工作师

    @property
    def certified(self) -> bool:
        return self is not Qualification.NONE

    @property
    def intermediate_or_above(self) -> bool:
        return self in (Qualification.INTERMEDIATE, Qualification.SENIOR)


class SocialWorker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    qualification: Qualification = Field(default=Qualification.NONE, sa_column=enum_column(Qualification))
    social_work_degree: bool = False  # 社会工作专业毕业
    employer_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
