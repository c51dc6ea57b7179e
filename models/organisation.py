"""Social-work organisations and their record: penalties, annual inspections, credit and blacklist entries."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, enum_column


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, unique=True)  # 统一社会信用代码
    registered_with_civil_affairs: bool = False
    registered_on: date | None = None
    sound_governance: bool = False  # 健全的法人治理结构和内部治理结构
    financial_rules_and_bank_account: bool = False  # 规章、财务制度和独立的银行账号
    contact_email: str | None = Field(default=None, max_length=255)


class OrganisationPenalty(SQLModel, table=True):
    """A penalty by the registration authority (受登记管理机关处罚)."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    imposed_on: date
    authority: str = Field(max_length=200)
    reason: str = Field(max_length=1000)


class InspectionResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # 年检不合格
    MISSED = "missed"  # 不接受年检


class AnnualInspection(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "year", name="uq_inspection_org_year"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    result: InspectionResult = Field(sa_column=enum_column(InspectionResult))


class CreditKind(StrEnum):
    BLACKLIST = "blacklist"  # 黑名单
    COMMENDATION = "commendation"
    NOTE = "note"


class CreditEntry(SQLModel, table=True):
    """The organisation's credit record (信用记录); a blacklist entry bars it from declaring."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: CreditKind = Field(sa_column=enum_column(CreditKind))
    reason: str = Field(max_length=1000)
    recorded_at: datetime = Field(sa_column=aware_datetime_column())
    source_project_id: int | None = Field(default=None, foreign_key="project.id")
