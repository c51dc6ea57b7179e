"""Pydantic speaks English; the people who edit programme and calendar files read Chinese."""

from typing import Any

_MESSAGES_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（是否拼写有误？）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "too_short": "至少需要 {min_length} 项",
}


def in_chinese(error: Any) -> str:
    """Pydantic speaks English; our users read Chinese. Our own validators already raise Chinese text."""
    template = _MESSAGES_ZH.get(error["type"])
    if template is not None:
        return template.format(**error.get("ctx", {}))
    return str(error["msg"]).removeprefix("Value error, ")
