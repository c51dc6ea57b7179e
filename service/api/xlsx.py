"""Answering a list with an .xlsx file instead of JSON (`?format=xlsx`)."""

from typing import Any
from urllib.parse import quote

from fastapi import Response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Merged into a route's `responses`: the 200 answer may also be a workbook.
XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}, "description": "OK"}
}


def xlsx_response(content: bytes, *, filename: str) -> Response:
    disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename + '.xlsx')}"
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})
