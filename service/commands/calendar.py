"""Loading a year's official holiday schedule from an uploaded file: open provisional nodes are re-planned."""

import tempfile
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor
from schedules.replanning import load_official_year
from service.files import MIB, UploadRule

OFFICIAL_YEAR_FILE = UploadRule("节假日安排文件", 1 * MIB, {".yaml": None, ".yml": None})


class NodeMovePublic(BaseModel):
    node_id: int
    project_id: int
    title: str
    from_due: date
    to_due: date
    provisional: bool


class OfficialYearLoaded(BaseModel):
    year: int
    source: str
    moves: list[NodeMovePublic]


def load_official_year_upload(
    session: Session, *, filename: str, data: bytes, actor: Actor, now: datetime
) -> OfficialYearLoaded:
    """Store the year and re-plan its provisional nodes, all committed together; errors name the field at fault."""
    name = PurePosixPath(filename).name or "calendar.yaml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        official, moves = load_official_year(session, path, actor=actor, now=now)
    session.commit()
    return OfficialYearLoaded(
        year=official.year,
        source=official.source,
        moves=[
            NodeMovePublic(
                node_id=m.node_id,
                project_id=m.project_id,
                title=m.title,
                from_due=m.from_due,
                to_due=m.to_due,
                provisional=m.provisional,
            )
            for m in moves
        ],
    )
