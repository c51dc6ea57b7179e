"""The columns of the credit-record sheet (信用记录): penalties, inspections and blacklist entries in one sheet."""

from typing import Any

from models.organisation import INSPECTION_RESULT_LABELS
from service.excel import cells
from service.excel.reading import Column
from service.queries.credit import RecordKind

SHEET_TITLE = "信用记录"
_KIND_WORDS = {"处罚": RecordKind.PENALTY, "年检": RecordKind.INSPECTION, "黑名单": RecordKind.BLACKLIST}
_RESULT_WORDS = {label: result for result, label in INSPECTION_RESULT_LABELS.items()}


def _word(words: dict[str, Any]) -> cells.Parser:
    def parse(value: Any) -> Any:
        written = str(value).strip()
        if written not in words:
            raise cells.CellProblem("应填写“" + "”“".join(words) + "”之一")
        return words[written]

    return parse


def _optional(header: str, parse: cells.Parser, hint: str) -> Column:
    return Column(header, parse, False, "选填。" + hint)


KIND = Column("记录类型", _word(_KIND_WORDS), True, "必填。填“处罚”“年检”或“黑名单”。")
ORGANISATION = _optional(
    "社工机构统一社会信用代码", cells.key_text(18), "机构的记录填此列；与“社会工作者编号”二者填一。"
)
WORKER = _optional("社会工作者编号", cells.whole_number, "社工的记录填此列（编号见社工列表）。")
STARTS_ON = _optional("开始日期", cells.calendar_date, "处罚、黑名单必填：处罚日期或列入黑名单的日期，如 2022-03-01。")
ENDS_ON = _optional("结束日期", cells.calendar_date, "处罚或黑名单期限的最后一天；不填为长期（直至解除）。")
YEAR = _optional("年检年度", cells.whole_number, "年检必填，如 2021。")
RESULT = _optional("年检结果", _word(_RESULT_WORDS), "年检必填：填“" + "”“".join(_RESULT_WORDS) + "”之一。")
SOURCE = _optional("来源", cells.text(200), "处罚、黑名单必填：作出决定的机关或文件，如 兰州市民政局。")
REASON = _optional("理由", cells.text(1000, multiline=True), "处罚、黑名单必填：事实与理由。")
CREDIT_COLUMNS = [KIND, ORGANISATION, WORKER, STARTS_ON, ENDS_ON, YEAR, RESULT, SOURCE, REASON]

# Where a field of the typed input is written on the sheet, so that each refusal names its column.
HEADER_OF = {
    "organisation_id": ORGANISATION.header,
    "social_worker_id": WORKER.header,
    "imposed_on": STARTS_ON.header,
    "starts_on": STARTS_ON.header,
    "ends_on": ENDS_ON.header,
    "year": YEAR.header,
    "result": RESULT.header,
    "authority": SOURCE.header,
    "source": SOURCE.header,
    "reason": REASON.header,
}
