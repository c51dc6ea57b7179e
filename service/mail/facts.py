"""The facts of one notice row, labelled in Chinese: the one vocabulary every writer of the outbox uses."""

from typing import Any

# Known parameters in the order a reader wants them: one name per fact, for every writer (a test holds them to it).
LABELS: dict[str, str] = {
    "project_title": "项目",
    "district": "区县",
    "node_title": "节点",
    "expert_name": "评审专家",
    "due_date": "截止日期",
    "previous_due_date": "原截止日期",
    "working_days_late": "已逾期（工作日）",
    "working_days_left": "距截止（工作日）",
    "rung_label": "提醒级别",
    "programme_name": "试点批次",
    "period": "通报期间",
    "due": "应交节点",
    "done_on_time": "按时完成",
    "done_late": "逾期完成",
    "overdue": "逾期未交",
    "file": "通报文件",
    "from_state_label": "原状态",
    "to_state_label": "现状态",
    "reason": "理由",
    "as_of": "统计日期",
}
# Bookkeeping that means nothing to a reader, and lists that a template shows in its own way.
HIDDEN = frozenset(
    {
        "rung_code",  # the label says it in Chinese
        "event",
        "event_label",
        "entity_label",
        "sequence",
        "url",
        "node_kind",
        "period_first",
        "period_last",
        "overdue_nodes",
    }
)
# Counters that only mean something when positive (a reminder is 0 days late).
ZERO_MEANS_NOTHING = frozenset({"working_days_late", "working_days_left"})


def facts(params: dict[str, Any]) -> list[tuple[str, str]]:
    """Known parameters first under their labels, then any others as given; ids and empty values are left out."""
    shown: list[tuple[str, str]] = []
    for key, label in LABELS.items():
        value = params.get(key)
        if _blank(value) or (key in ZERO_MEANS_NOTHING and value == 0):
            continue
        shown.append((label, str(value)))
    for key, value in params.items():
        if key in LABELS or key in HIDDEN or key.endswith("_id") or _blank(value) or isinstance(value, (dict, list)):
            continue
        shown.append((key, str(value)))
    return shown


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
