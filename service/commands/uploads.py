"""Files handed to the use cases by any entry point, and a node report's attachment."""

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor
from service.files import ATTACHMENT, read_upload, store_attachment
from service.queries.nodes import get_node


@dataclass(frozen=True)
class Upload:
    """A file as an HTTP upload or a CLI path gives it: the name judges its type, the stream is read once."""

    filename: str
    stream: BinaryIO


class AttachmentStored(BaseModel):
    path: str
    filename: str
    size: int


def attach_to_node(
    session: Session, *, node_id: int, filename: str, stream: BinaryIO, actor: Actor, files_dir: Path
) -> AttachmentStored:
    """Keep a file for a node report (scope first, then size and type); the report cites its path."""
    get_node(session, actor=actor, node_id=node_id)
    data = read_upload(stream, filename=filename, rule=ATTACHMENT)
    path = store_attachment(files_dir, node_id=node_id, filename=filename, data=data)
    return AttachmentStored(path=path, filename=PurePosixPath(filename).name, size=len(data))
