"""基础数据: the reference-data pages, each shown only to the roles that may open it (the API's readers)."""

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from models.authority import roles_for
from models.lifecycles import ACCOUNT_REGISTER
from models.roles import Role
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleUser
from service.console.templating import render
from service.queries.parties import EXPERT_READERS, ORGANISATION_READERS
from service.queries.place_list import PLACE_READERS

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
REFERENCE_PATH = "/console/reference"
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class ReferencePage:
    path: str
    title: str
    about: str
    readers: frozenset[Role]


# The readers are those of the API's reads behind each page (`require_roles` lets the administrator in too).
PAGES = (
    ReferencePage("/console/places", "区划与通知地址", "市、区、街道、社区及各自接收通知的联系邮箱", PLACE_READERS),
    ReferencePage("/console/organisations", "社工机构", "机构登记信息与黑名单状态", frozenset(ORGANISATION_READERS)),
    ReferencePage("/console/social-workers", "社会工作者", "社工的职业资格与所在机构", frozenset(ORGANISATION_READERS)),
    ReferencePage("/console/experts", "评审专家", "专家库：专业领域与工作单位", frozenset(EXPERT_READERS)),
    ReferencePage("/console/credit", "信用记录", "行政处罚、年检结论与黑名单记录", frozenset(ORGANISATION_READERS)),
    ReferencePage(
        "/console/accounts", "登录账号", "新建、停用、重新启用账号与重置密码", roles_for(ACCOUNT_REGISTER, "create")
    ),
    ReferencePage("/console/calendar", "工作日历", "法定节假日、调休上班日与暂定的年份", EVERYONE),
)


def pages_for(role: Role) -> list[ReferencePage]:
    return [page for page in PAGES if role in page.readers or role is Role.ADMIN]


@router.get(REFERENCE_PATH)
def reference_index(request: Request, user: ConsoleUser) -> Response:
    return render(request, "console/reference.html", user=user, pages=pages_for(user.role))
