"""Budget rules: lines sum exactly to the total; a fixed template (Lanzhou) binds every line."""

from collections.abc import Sequence

from models.errors import RuleViolation
from models.money import format_fen
from models.programme_spec import Budget
from models.project import BudgetLine


def budget_violations(lines: Sequence[BudgetLine], *, total_fen: int, template: Budget | None) -> list[RuleViolation]:
    found = []
    declared = sum(line.amount_fen for line in lines)
    if declared != total_fen:
        found.append(
            RuleViolation("budget.sum", f"预算科目之和 {format_fen(declared)} 不等于项目总经费 {format_fen(total_fen)}")
        )
    if template is None:
        return found
    if total_fen != template.per_project_fen:
        found.append(
            RuleViolation(
                "budget.total",
                f"项目总经费 {format_fen(total_fen)} 不等于本批次每个项目的经费 {format_fen(template.per_project_fen)}",
            )
        )
    if template.fixed_lines:
        by_code = {line.code: line for line in lines}
        for expected in template.lines:
            got = by_code.get(expected.code)
            if got is None:
                found.append(RuleViolation("budget.line_missing", f"缺少预算科目：{expected.name}"))
            elif got.amount_fen != expected.amount_fen:
                found.append(
                    RuleViolation(
                        "budget.line_amount",
                        f"{expected.name} 应为 {format_fen(expected.amount_fen)}，申报为 {format_fen(got.amount_fen)}",
                    )
                )
        unknown = sorted(set(by_code) - {line.code for line in template.lines})
        if unknown:
            found.append(RuleViolation("budget.line_unknown", f"预算科目不在本批次模板中：{'、'.join(unknown)}"))
    return found
