"""Social-work organisations and the credit record kept on them and on their social workers: penalties,
annual inspections, blacklist and other credit entries. A record names exactly one holder; nothing is deleted,
a blacklist entry is lifted with a reason and stays on record."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import AwareDateTime, enum_column

RECORDED, LIFTED = "recorded", "lifted"
# Exactly one holder per record: an organisation or one of the social workers.
_ONE_HOLDER = "(organisation_id IS NULL) <> (social_worker_id IS NULL)"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, unique=True)  # 统一社会信用代码
    registered_with_civil_affairs: bool = False
    registered_on: date | None = None
    sound_governance: bool = False  # 健全的法人治理结构和内部治理结构
    financial_rules_and_bank_account: bool = False  # 规章、财务制度和独立的银行账号
    contact_email: str | None = Field(default=None, max_length=255)


class CreditRecordBase(SQLModel):
    """Whose record it is, why, and who entered it when."""

    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    social_worker_id: int | None = Field(default=None, foreign_key="socialworker.id", index=True)
    reason: str = Field(default="", max_length=1000)
    recorded_at: datetime = Field(sa_type=AwareDateTime, nullable=False)
    recorded_by: str | None = Field(default=None, max_length=100)

    @property
    def state(self) -> str:
        """The audit row's state: a record is entered, and a blacklist entry may be lifted."""
        return LIFTED if getattr(self, "lifted_at", None) is not None else RECORDED

    @property
    def version(self) -> int:
        """The audit row's version: 1 when entered, 2 once lifted."""
        return 2 if self.state == LIFTED else 1


class Penalty(CreditRecordBase, table=True):
    """A penalty by the registration authority (受登记管理机关处罚); `authority` is who imposed it."""

    __table_args__ = (CheckConstraint(_ONE_HOLDER, name="ck_penalty_one_holder"),)

    id: int | None = Field(default=None, primary_key=True)
    imposed_on: date
    ends_on: date | None = None
    authority: str = Field(max_length=200)  # its source: the authority that imposed it


class InspectionResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # 年检不合格
    MISSED = "missed"  # 不接受年检


INSPECTION_RESULT_LABELS: dict[InspectionResult, str] = {
    InspectionResult.PASSED: "合格",
    InspectionResult.FAILED: "不合格",
    InspectionResult.MISSED: "不接受年检",
}


class AnnualInspection(CreditRecordBase, table=True):
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", name="uq_inspection_org_year"),
        UniqueConstraint("social_worker_id", "year", name="uq_inspection_worker_year"),
        CheckConstraint(_ONE_HOLDER, name="ck_inspection_one_holder"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    result: InspectionResult = Field(sa_column=enum_column(InspectionResult))
    source: str = Field(default="", max_length=200)  # 来源：作出年检结论的机关


class CreditKind(StrEnum):
    BLACKLIST = "blacklist"  # 黑名单
    FAILED_ACCEPTANCE = "failed_acceptance"  # 项目验收不合格
    COMMENDATION = "commendation"
    NOTE = "note"


CREDIT_KIND_LABELS: dict[CreditKind, str] = {
    CreditKind.BLACKLIST: "列入黑名单",
    CreditKind.FAILED_ACCEPTANCE: "项目验收不合格",
    CreditKind.COMMENDATION: "表彰",
    CreditKind.NOTE: "备注",
}


class CreditEntry(CreditRecordBase, table=True):
    """The credit record (信用记录); a blacklist entry in force (not lifted, its period covering the day) bars
    the organisation from declaring."""

    __table_args__ = (CheckConstraint(_ONE_HOLDER, name="ck_credit_entry_one_holder"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: CreditKind = Field(sa_column=enum_column(CreditKind))
    source: str = Field(default="", max_length=200)  # 来源：作出决定的机关，或产生记录的项目事件
    starts_on: date | None = None  # None: from the day it was recorded
    ends_on: date | None = None  # None: until lifted
    source_project_id: int | None = Field(default=None, foreign_key="project.id")
    lifted_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    lifted_by: str | None = Field(default=None, max_length=100)
    lift_reason: str | None = Field(default=None, max_length=1000)

    def in_force(self, on: date) -> bool:
        """A blacklist entry binds while it is not lifted and its period covers `on`."""
        started = self.starts_on is None or self.starts_on <= on
        return self.lifted_at is None and started and (self.ends_on is None or on <= self.ends_on)
