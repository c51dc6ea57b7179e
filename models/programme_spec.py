"""The shape of a programme file (`programmes/*.yaml`): every field a seed document fixes, validated."""

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.money import format_fen, yuan_to_fen
from models.parties import Party


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(StrictModel):
    """A dated phase, both ends inclusive, in Asia/Shanghai dates."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end < self.start:
            raise ValueError(f"结束日期 {self.end} 早于开始日期 {self.start}")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def midpoint(self) -> date:
        return self.start + timedelta(days=(self.end - self.start).days // 2)


PHASE_LABELS = {
    "declaration": "申报期",
    "review": "评审与确定名单期",
    "contracting": "签订购买协议期",
    "implementation": "项目实施期",
    "supervision": "第三方督导期",
    "acceptance": "考核验收期",
}


class Phases(StrictModel):
    declaration: Window  # 项目申报
    review: Window  # 专家评审、确定名单
    contracting: Window | None = None  # 签订购买协议
    implementation: Window  # 项目开展
    supervision: Window | None = None  # 第三方督导
    acceptance: Window  # 考核验收 / 项目总结

    def window(self, phase: str) -> Window:
        """A phase's dates; a programme that names no contracting phase contracts from review until implementation
        ends, and one without a supervision phase supervises throughout implementation."""
        found = getattr(self, phase)
        if found is not None:
            return found
        if phase == "contracting":
            return Window(start=self.review.start, end=self.implementation.end)
        return self.implementation


class RegionSpec(StrictModel):
    name: str
    level: Literal["province", "city"]
    subdivisions: list[str] = Field(default_factory=list)  # districts of a city, cities of a province


class Quotas(StrictModel):
    total: int = Field(ge=1)
    by_district: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _within_total(self) -> "Quotas":
        if self.by_district and sum(self.by_district.values()) != self.total:
            raise ValueError(f"各区名额之和 {sum(self.by_district.values())} 不等于总数 {self.total}")
        return self


class _Amount(StrictModel):
    """Accepts `amount_yuan` in the file and keeps exact fen."""

    amount_fen: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _yuan_to_fen(cls, data: Any) -> Any:
        if isinstance(data, dict) and "amount_yuan" in data:
            data = dict(data)
            data["amount_fen"] = yuan_to_fen(data.pop("amount_yuan"))
        return data


class BudgetPart(_Amount):
    name: str


class BudgetLineTemplate(_Amount):
    code: str
    name: str
    parts: list[BudgetPart] = Field(default_factory=list)

    @model_validator(mode="after")
    def _parts_sum(self) -> "BudgetLineTemplate":
        if self.parts and sum(p.amount_fen for p in self.parts) != self.amount_fen:
            raise ValueError(f"{self.name}的分项之和不等于 {format_fen(self.amount_fen)}")
        return self


class Budget(StrictModel):
    per_project_fen: int = Field(ge=0)
    fixed_lines: bool = False  # every line of a declaration must equal the template line
    lines: list[BudgetLineTemplate] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _yuan_to_fen(cls, data: Any) -> Any:
        if isinstance(data, dict) and "per_project_yuan" in data:
            data = dict(data)
            data["per_project_fen"] = yuan_to_fen(data.pop("per_project_yuan"))
        return data

    @model_validator(mode="after")
    def _lines_sum(self) -> "Budget":
        total = sum(line.amount_fen for line in self.lines)
        if self.lines and total != self.per_project_fen:
            raise ValueError(f"预算科目之和 {format_fen(total)} 不等于每个项目经费 {format_fen(self.per_project_fen)}")
        return self

    def line(self, code: str) -> BudgetLineTemplate | None:
        return next((line for line in self.lines if line.code == code), None)


class CommunityRules(StrictModel):
    min_service_area_m2: int | None = None
    street_leader_consent_required: bool = False


class OrganisationRules(StrictModel):
    registered_with_civil_affairs: bool = True
    no_penalty: bool = True
    inspections_passed: bool = True
    not_blacklisted: bool = True
    sound_governance: bool = True


class TeamRules(StrictModel):
    """Lanzhou: 3 social workers per community, ≥2 certified, ≥1 intermediate, the rest social-work graduates."""

    size: int = Field(ge=1)
    min_certified: int = Field(ge=0)
    min_intermediate: int = Field(ge=0)
    uncertified_need_degree: bool = True
    employed_by_organisation: bool = True  # 借用无关人员资质冒名顶替 is refused


class Eligibility(StrictModel):
    community: CommunityRules = CommunityRules()
    organisation: OrganisationRules = OrganisationRules()
    team: TeamRules | None = None


class RubricCriterion(StrictModel):
    code: str
    name: str
    max_score: int = Field(ge=1)


class Rubric(StrictModel):
    blind: bool = False  # organisation identity hidden from the experts
    experts_per_declaration: int = Field(default=3, ge=1)
    criteria: list[RubricCriterion]

    @model_validator(mode="after")
    def _unique_codes(self) -> "Rubric":
        codes = [c.code for c in self.criteria]
        if len(codes) != len(set(codes)):
            raise ValueError("评分标准的代码重复")
        return self


Anchor = Literal[
    "implementation.start", "implementation.midpoint", "implementation.end", "acceptance.start", "acceptance.end"
]


class ScheduleRule(StrictModel):
    """One kind of node report: either repeating by cadence, or one node at an anchor ± working days."""

    kind: str
    title: str
    cadence: Literal["monthly", "quarterly", "half_yearly"] | None = None
    anchor: Anchor | None = None
    offset_working_days: int = 0

    @model_validator(mode="after")
    def _one_rule(self) -> "ScheduleRule":
        if (self.cadence is None) == (self.anchor is None):
            raise ValueError(f"节点 {self.kind} 须且只能写 cadence 或 anchor 之一")
        return self


class Rung(StrictModel):
    code: str
    offset_working_days: int  # negative: before the due date (a reminder); positive: working days late
    notify: list[Party] = Field(min_length=1)


class EscalationLadder(StrictModel):
    rungs: list[Rung] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> "EscalationLadder":
        offsets = [r.offset_working_days for r in self.rungs]
        if offsets != sorted(set(offsets)):
            raise ValueError("升级阶梯的工作日偏移必须严格递增")
        if len({r.code for r in self.rungs}) != len(self.rungs):
            raise ValueError("升级阶梯的代码重复")
        return self


class AcceptanceRules(StrictModel):
    min_local_policy_documents: int = Field(default=0, ge=0)  # Anhui "四个一": ≥1 local policy document


class ProgrammeSpec(StrictModel):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    year: int = Field(ge=2000, le=2100)
    source: str = ""
    region: RegionSpec
    phases: Phases
    quotas: Quotas
    budget: Budget | None = None
    eligibility: Eligibility = Eligibility()
    rubric: Rubric
    report_schedule: list[ScheduleRule] = Field(min_length=1)
    escalation_ladder: EscalationLadder
    acceptance: AcceptanceRules = AcceptanceRules()
    # Paper entry: the district and city bureaus may enter node reports and confirmations that an organisation or a
    # community sent on paper, on its behalf (`models.on_behalf`).
    paper_entry: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> "ProgrammeSpec":
        unknown = set(self.quotas.by_district) - set(self.region.subdivisions)
        if unknown:
            raise ValueError(f"名额中的地区不在 region.subdivisions 中：{'、'.join(sorted(unknown))}")
        kinds = [r.kind for r in self.report_schedule]
        if len(kinds) != len(set(kinds)):
            raise ValueError("report_schedule 中节点 kind 重复")
        return self
