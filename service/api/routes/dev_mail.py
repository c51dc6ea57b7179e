"""The dev mail catcher's messages, so that notices can be read in the console without a real mail server."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse

from models.input_policy import ONE_LINE
from models.roles import Actor, Role
from service.api.deps import SettingsDep, require_roles
from service.queries.caught_mail import CaughtMail, caught_mail, caught_mail_path

router = APIRouter(prefix="/dev/caught-mail", tags=["dev"])
Coordinator = Annotated[Actor, Depends(require_roles(Role.CITY_COORDINATOR))]
EML_MEDIA_TYPE = "message/rfc822"
EML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {EML_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}, "description": "OK"}
}


@router.get("")
def read_caught_mail(
    settings: SettingsDep,
    actor: Coordinator,
    limit: Annotated[int, Query(ge=1, le=1000, description="最多返回条数")] = 100,
) -> list[CaughtMail]:
    """开发用邮件捕获服务收到的邮件，最新的在前。"""
    return caught_mail(settings, limit=limit)


@router.get("/{name}", response_class=FileResponse, responses=EML_RESPONSES)
def download_caught_mail(
    settings: SettingsDep, actor: Coordinator, name: Annotated[str, Path(max_length=255), ONE_LINE]
) -> FileResponse:
    """下载一封捕获的邮件（.eml）。"""
    return FileResponse(caught_mail_path(settings, name), media_type=EML_MEDIA_TYPE, filename=name)
