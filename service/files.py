"""Files in and out: upload limits, where attachments are kept (a relative path), and a download's headers."""

import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from fastapi import Response

from service.errors import UnsupportedUpload, UploadTooLarge

MIB = 1024 * 1024
_ZIP = b"PK\x03\x04"  # .docx and .xlsx are zip containers
_OLE = b"\xd0\xcf\x11\xe0"  # legacy .doc and .xls


@dataclass(frozen=True)
class UploadRule:
    """What one kind of upload may be: a size cap and, per extension, the bytes the file must start with."""

    label: str
    max_bytes: int
    signatures: dict[str, bytes | None]  # None: a text file, checked to be UTF-8


ATTACHMENT = UploadRule(
    "节点报告附件",
    20 * MIB,
    {
        ".pdf": b"%PDF",
        ".png": b"\x89PNG",
        ".jpg": b"\xff\xd8\xff",
        ".jpeg": b"\xff\xd8\xff",
        ".docx": _ZIP,
        ".xlsx": _ZIP,
        ".doc": _OLE,
        ".xls": _OLE,
    },
)
SPREADSHEET = UploadRule("Excel 导入文件", 10 * MIB, {".xlsx": _ZIP})
PROGRAMME_FILE = UploadRule("试点批次文件", 1 * MIB, {".yaml": None, ".yml": None})

# Request bodies, bounded before they are read (service/api/body_limit.py): a form carrying one file may be as
# large as the largest upload rule plus its boundaries and part headers; any other body (JSON, the login form)
# stays under 1 MB. Each route's own rule then applies to the file itself.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_REQUEST_BYTES = max(rule.max_bytes for rule in (ATTACHMENT, SPREADSHEET, PROGRAMME_FILE)) + MULTIPART_OVERHEAD
OTHER_REQUEST_BYTES = 1 * MIB


def read_upload(stream: BinaryIO, *, filename: str, rule: UploadRule) -> bytes:
    """The whole file, refused with 413 past the cap and 415 when its name or content is not an allowed type."""
    data = stream.read(rule.max_bytes + 1)
    if len(data) > rule.max_bytes:
        raise UploadTooLarge(f"{rule.label}“{filename}”超过 {rule.max_bytes // MIB} MB 的上限")
    extension = PurePosixPath(filename.lower()).suffix
    allowed = "、".join(sorted(rule.signatures))
    if extension not in rule.signatures:
        raise UnsupportedUpload(f"{rule.label}“{filename}”的类型不受支持，只接受：{allowed}")
    signature = rule.signatures[extension]
    if signature is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsupportedUpload(f"{rule.label}“{filename}”不是 UTF-8 编码的文本文件") from exc
    elif not data.startswith(signature):
        raise UnsupportedUpload(f"{rule.label}“{filename}”的内容与扩展名 {extension} 不符")
    return data


def attachment_prefix(node_id: int) -> str:
    return f"nodes/{node_id}/"


def store_attachment(files_dir: Path, *, node_id: int, filename: str, data: bytes) -> str:
    """Keep the file under files_dir with a fresh name; the returned relative path is what reports cite."""
    extension = PurePosixPath(filename.lower()).suffix
    reference = f"{attachment_prefix(node_id)}{uuid.uuid4().hex}{extension}"
    target = files_dir / reference
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return reference


def attachment_exists(files_dir: Path, reference: str) -> bool:
    path = PurePosixPath(reference)
    return not path.is_absolute() and ".." not in path.parts and (files_dir / reference).is_file()


MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ics": "text/calendar; charset=utf-8",
}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]{3,4}")  # what store_attachment names a file


def attachment_file(files_dir: Path, *, node_id: int, name: str) -> Path | None:
    """The stored file `name` of this node, or None: a name that is not one we wrote cannot reach another path."""
    if not _STORED_NAME.fullmatch(name) or PurePosixPath(name).suffix not in ATTACHMENT.signatures:
        return None
    path = files_dir / f"{attachment_prefix(node_id)}{name}"
    return path if path.is_file() else None


def media_type(filename: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(filename.lower()).suffix, "application/octet-stream")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """An ASCII fallback for old clients and the UTF-8 name (RFC 5987/6266) that every current one reads."""
    suffix = PurePosixPath(filename).suffix
    fallback = re.sub(r"[^0-9A-Za-z._-]+", "_", PurePosixPath(filename).stem).strip("_") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}{suffix}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(content: bytes, *, filename: str, media: str | None = None, inline: bool = False) -> Response:
    """A file as an answer: its type, and its name in UTF-8 (a Chinese name arrives intact)."""
    headers = {"Content-Disposition": content_disposition(filename, inline=inline), "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=media or media_type(filename), headers=headers)


def binary_responses(*media: str) -> dict[int | str, dict[str, object]]:
    """The 200 answer of a download route, as its OpenAPI shows it."""
    content = {m: {"schema": {"type": "string", "format": "binary"}} for m in media}
    return {200: {"content": content, "description": "文件"}}
