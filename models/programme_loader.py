"""Reads a programme file, validates it, and installs it with its region skeleton and district quotas."""

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from models.errors import InvalidProgramme
from models.programme import Programme, ProgrammeQuota
from models.programme_spec import ProgrammeSpec
from models.region import Region, RegionLevel
from models.region_tree import ensure_region
from models.validation_messages import in_chinese


def read_programme_file(path: Path) -> ProgrammeSpec:
    """Parse and validate; every error names the file, the line and the field."""
    return parse_programme(path.read_text(encoding="utf-8"), filename=path.name)


def parse_programme(text: str, *, filename: str) -> ProgrammeSpec:
    """A programme file's text, as an upload brings it; errors name `filename`, the line and the field."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise InvalidProgramme(f"{filename} {where}：YAML 语法错误：{exc}") from exc
    if not isinstance(data, dict):
        raise InvalidProgramme(f"{filename}：文件内容应为一个映射（键: 值）")
    try:
        return ProgrammeSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "(文件)"
            problems.append(f"{filename} 第 {_line_of(root, loc)} 行，字段 {field}：{in_chinese(error)}")
        raise InvalidProgramme("\n".join(problems)) from exc


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node that the error's location reaches (1-based)."""
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1 if node is not None else 1


def install_programme(session: Session, spec: ProgrammeSpec, *, now: datetime) -> Programme:
    """Create or update the programme, its top region and subdivisions, and its district quotas."""
    top = ensure_region(session, name=spec.region.name, level=RegionLevel(spec.region.level), parent=None)
    sub_level = RegionLevel.DISTRICT if top.level == RegionLevel.CITY else RegionLevel.CITY
    subdivisions = {
        name: ensure_region(session, name=name, level=sub_level, parent=top) for name in spec.region.subdivisions
    }
    programme = session.exec(select(Programme).where(Programme.code == spec.code)).first()
    if programme is None:
        programme = Programme(
            code=spec.code, name=spec.name, year=spec.year, region_id=_id(top), spec={}, loaded_at=now
        )
    programme.name, programme.year, programme.region_id = spec.name, spec.year, _id(top)
    programme.spec = spec.model_dump(mode="json")
    programme.loaded_at = now
    session.add(programme)
    session.flush()
    existing = {
        q.district_id: q
        for q in session.exec(select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme.id))
    }
    for name, quota in spec.quotas.by_district.items():
        row = existing.get(_id(subdivisions[name])) or ProgrammeQuota(
            programme_id=_id(programme), district_id=_id(subdivisions[name]), quota=quota
        )
        row.quota = quota
        session.add(row)
    session.flush()
    return programme


def load_programme(session: Session, path: Path, *, now: datetime) -> Programme:
    """The one entry point: read, validate, install."""
    return install_programme(session, read_programme_file(path), now=now)


def _id(row: Region | Programme) -> int:
    assert row.id is not None, "row must be flushed"
    return row.id
