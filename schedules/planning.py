"""When each node falls due: forward by cadence from the start of implementation, or backward
(倒推工期) and forward from the programme's fixed dates, counted in working days."""

from dataclasses import dataclass
from datetime import date, timedelta

from models.programme_spec import Phases, ProgrammeSpec, ScheduleRule
from schedules.calendar import WorkingCalendar

MONTHS_PER_CADENCE = {"monthly": 1, "quarterly": 3, "half_yearly": 6}
CADENCE_LABELS = {"monthly": "每月", "quarterly": "每季度", "half_yearly": "每半年"}
PHASE_LABELS = {
    "declaration": "申报",
    "review": "评审",
    "implementation": "实施",
    "supervision": "督导",
    "acceptance": "验收",
}
POINT_LABELS = {"start": "开始日", "end": "结束日", "midpoint": "中点"}


@dataclass(frozen=True)
class PlannedNode:
    kind: str
    sequence: int
    title: str
    due_date: date
    planned_from: str
    provisional: bool


def plan_nodes(spec: ProgrammeSpec, calendar: WorkingCalendar) -> list[PlannedNode]:
    """Every node of one project of the programme, ordered by due date."""
    nodes = [node for rule in spec.report_schedule for node in _plan_rule(rule, spec.phases, calendar)]
    return sorted(nodes, key=lambda n: (n.due_date, n.kind, n.sequence))


def _plan_rule(rule: ScheduleRule, phases: Phases, calendar: WorkingCalendar) -> list[PlannedNode]:
    if rule.cadence is not None:
        return _plan_cadence(rule, rule.cadence, phases, calendar)
    assert rule.anchor is not None
    anchor_day = anchor_date(phases, rule.anchor)
    due, provisional = calendar.add_working_days_checked(anchor_day, rule.offset_working_days)
    offset = f" {rule.offset_working_days:+d} 个工作日" if rule.offset_working_days else ""
    return [PlannedNode(rule.kind, 1, rule.title, due, f"{anchor_label(rule.anchor)}{offset}", provisional)]


def _plan_cadence(rule: ScheduleRule, cadence: str, phases: Phases, calendar: WorkingCalendar) -> list[PlannedNode]:
    """One node per whole period; a period that ends on the last day of implementation (inclusive) counts."""
    window = phases.implementation
    step = MONTHS_PER_CADENCE[cadence]
    day_after_end = window.end + timedelta(days=1)
    nodes = []
    sequence = 1
    while (period_end := add_months(window.start, step * sequence)) <= day_after_end:
        due, provisional = calendar.add_working_days_checked(min(period_end, window.end), 0)
        title = f"{rule.title}（第{sequence}期）"
        planned_from = f"实施开始后{CADENCE_LABELS[cadence]}第{sequence}期"
        nodes.append(PlannedNode(rule.kind, sequence, title, due, planned_from, provisional))
        sequence += 1
    return nodes


def anchor_date(phases: Phases, anchor: str) -> date:
    phase_name, point = anchor.split(".")
    window = getattr(phases, phase_name)
    return {"start": window.start, "end": window.end, "midpoint": window.midpoint}[point]


def anchor_label(anchor: str) -> str:
    """The zh-CN words of an anchor such as `implementation.midpoint` (实施中点), as users read `planned_from`."""
    phase_name, point = anchor.split(".")
    return f"{PHASE_LABELS[phase_name]}{POINT_LABELS[point]}"


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")
