"""Files handed to the use cases by any entry point, and a node report's attachment."""

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel
from sqlmodel import Session

from models.authority import authorize
from models.lifecycles import ATTACHMENT_REGISTER
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


UPLOAD = "upload"


def attach_to_node(session: Session, *, node_id: int, file: Upload, actor: Actor, files_dir: Path) -> AttachmentStored:
    """Keep a file for a node report (who may, the node's scope, then size and type); the report cites its path."""
    authorize(session, actor=actor, subject=ATTACHMENT_REGISTER, action=UPLOAD)
    get_node(session, actor=actor, node_id=node_id)
    data = read_upload(file.stream, filename=file.filename, rule=ATTACHMENT)
    path = store_attachment(files_dir, node_id=node_id, filename=file.filename, data=data)
    return AttachmentStored(path=path, filename=PurePosixPath(file.filename).name, size=len(data))
