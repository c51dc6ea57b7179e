"""Loading a year's official holiday schedule, from the API or the CLI: open provisional nodes are re-planned."""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel
from sqlmodel import Session

from models.authority import authorize
from models.lifecycles import CALENDAR_REGISTER
from models.roles import Actor
from schedules.replanning import NodeMove, load_official_year
from service.commands.progress import Progress, quiet
from service.commands.uploads import Upload
from service.files import MIB, UploadRule, read_upload

OFFICIAL_YEAR_FILE = UploadRule("节假日安排文件", 1 * MIB, {".yaml": None, ".yml": None, ".json": None})


@dataclass(frozen=True)
class OfficialYearLoad:
    """A year's schedule as the State Council published it (YAML or holiday-cn JSON: schedules/calendar_store.py)."""

    file: Upload


class OfficialYearLoaded(BaseModel):
    year: int
    source: str
    moves: list[NodeMove]


def load_calendar_year(
    session: Session, *, data: OfficialYearLoad, actor: Actor, now: datetime, progress: Progress = quiet
) -> OfficialYearLoaded:
    """Store the year and re-plan its provisional nodes, all committed together; errors name the field at fault."""
    authorize(session, actor=actor, subject=CALENDAR_REGISTER, action="load")
    name = PurePosixPath(data.file.filename).name or "calendar.yaml"
    content = read_upload(data.file.stream, filename=name, rule=OFFICIAL_YEAR_FILE)
    progress(f"正在读取 {name} 并重新排定受影响的节点…")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        official, moves = load_official_year(session, path, actor=actor, now=now)
    progress(f"已载入 {official.year} 年节假日安排，重新排定节点 {len(moves)} 个，正在提交")
    session.commit()
    return OfficialYearLoaded(year=official.year, source=official.source, moves=moves)
