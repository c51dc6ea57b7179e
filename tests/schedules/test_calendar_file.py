"""A year's official schedule file: mistakes are refused in Chinese, naming what is wrong."""

from pathlib import Path

import pytest

from models.errors import RulesFailed
from schedules.calendar_store import read_official_year


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_impossible_date_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "year: 2027\nholidays:\n  - {name: 春节, start: 2027-02-30, end: 2027-03-02}\n")
    with pytest.raises(RulesFailed, match="日期无效"):
        read_official_year(path)


def test_a_missing_field_is_named_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(RulesFailed, match="字段 year：缺少必填字段"):
        read_official_year(_file(tmp_path, "holidays: []\n"))
