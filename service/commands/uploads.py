"""Files sent to the service: a programme file to load, a node report's attachment, a workbook to import."""

import tempfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel
from sqlmodel import Session

from models.programme_loader import load_programme
from models.roles import Actor
from service.files import ATTACHMENT, read_upload, store_attachment
from service.queries.milestones import get_milestone
from service.queries.places import ProgrammeDetail, programme_detail


class AttachmentStored(BaseModel):
    path: str
    filename: str
    size: int


def load_programme_upload(session: Session, *, filename: str, data: bytes, now: datetime) -> ProgrammeDetail:
    """Read, validate and install the uploaded programme file; errors name its line and field."""
    name = PurePosixPath(filename).name or "programme.yaml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        programme = load_programme(session, path, now=now)
    session.commit()
    assert programme.id is not None
    return programme_detail(session, programme_id=programme.id)


def attach_to_milestone(
    session: Session, *, milestone_id: int, filename: str, stream: BinaryIO, actor: Actor, files_dir: Path
) -> AttachmentStored:
    """Keep a file for a node report (scope first, then size and type); the report cites its path."""
    get_milestone(session, actor=actor, milestone_id=milestone_id)
    data = read_upload(stream, filename=filename, rule=ATTACHMENT)
    path = store_attachment(files_dir, milestone_id=milestone_id, filename=filename, data=data)
    return AttachmentStored(path=path, filename=PurePosixPath(filename).name, size=len(data))
