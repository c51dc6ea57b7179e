"""What each event carries besides its reason: one pydantic model per kind of payload, checked before any guard.

A wrong shape is refused with the field named in Chinese; the rules that need the programme or the row acted on
(the rubric's ranges, a later due date, the number of policy documents) stay guards in `models.guards`.
"""

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from models.errors import DomainError
from models.input_policy import MAX_INT, MULTI_LINE, ONE_LINE, Day, length
from models.validation_messages import in_chinese

MAX_TEXT = 5000
MAX_PATH = 300
MAX_ITEMS = 50


P = TypeVar("P", bound=BaseModel)


Summary = Annotated[str, length(MAX_TEXT, min_length=1), MULTI_LINE]
Opinion = Annotated[str, length(2000, min_length=1), MULTI_LINE]
Comment = Annotated[str, length(2000), MULTI_LINE]
PathText = Annotated[str, length(MAX_PATH, min_length=1), ONE_LINE]
Code = Annotated[str, length(40, min_length=1), ONE_LINE]
Score = Annotated[StrictInt, Field(ge=0, le=1000)]


class Payload(BaseModel):
    """Unknown fields are refused: a misspelt field would otherwise be dropped without a word."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoPayload(Payload):
    """无附加内容（理由填在 reason 中）。"""


class NodeReportPayload(Payload):
    """提交或重新提交节点报告：报告内容摘要与已上传的附件。"""

    summary: Summary = Field(description="报告内容摘要（1 至 5000 字）")
    attachments: list[PathText] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="附件：上传节点报告附件时返回的 path，至多 50 个",
    )


class CommunityOpinionPayload(Payload):
    """社区确认节点报告时加注的意见。"""

    opinion: Opinion = Field(description="社区意见（1 至 2000 字）")


class ReviewScoresPayload(Payload):
    """专家按评分标准逐项打分，可逐项附评语。"""

    scores: dict[Code, Score] = Field(
        max_length=MAX_ITEMS, description="各评分项的得分：评分项代码 → 整数分值（不超过该项满分）"
    )
    comments: dict[Code, Comment] = Field(
        default_factory=dict, max_length=MAX_ITEMS, description="各评分项的评语：评分项代码 → 评语（可省略）"
    )


class DueDatePayload(Payload):
    """延期：新的截止日期，须晚于原截止日期。"""

    due_date: Day = Field(description="新的截止日期（YYYY-MM-DD）；遇节假日顺延至下一个工作日")


class AcceptancePayload(Payload):
    """验收通过：项目期间出台的社会工作介入社区治理的政策文件。"""

    local_policy_documents: list[PathText] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="政策文件名称，不少于本批次要求的篇数"
    )


class AssignmentPayload(Payload):
    """分配评审任务：受邀的专家。"""

    expert_id: int = Field(ge=1, le=MAX_INT, description="评审专家编号")


class InvalidPayload(DomainError):
    """The payload does not have its event's shape: every field at fault, in Chinese."""

    code = "validation_error"
    status = 422

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__("；".join(f"字段 {field}：{message}" for field, message in fields))
        self.fields = fields


_MORE_ZH = {  # what `in_chinese` does not say yet
    "string_too_short": "不能为空",
    "string_too_long": "不能超过 {max_length} 个字",
    "too_long": "至多 {max_length} 项",
    "int_from_float": "应为整数",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象（键: 值）",
    "string_unicode": "含有无法保存的字符",
}


def _message(error: Any) -> str:
    template = _MORE_ZH.get(error["type"])
    if template is None:
        return in_chinese(error)
    return template.format(**{k: v for k, v in error.get("ctx", {}).items() if k in ("max_length", "min_length")})


def validated_payload(model: type[P], given: Any) -> P:
    """The payload as its event's model, or `InvalidPayload` naming each field as `payload.<field>`."""
    try:
        return model.model_validate({} if given is None else given)
    except ValidationError as error:
        raise InvalidPayload(
            [(".".join(["payload", *(str(part) for part in e["loc"])]), _message(e)) for e in error.errors()]
        ) from error
