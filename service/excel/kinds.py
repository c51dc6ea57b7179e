"""What each import sheet holds: its title, its Chinese columns, and who may import it."""

from sqlmodel import Session

from models.authority import Subject, authorize, roles_for
from models.lifecycles import (
    ACCOUNT_REGISTER,
    CREDIT_REGISTER,
    EXPERT_REGISTER,
    ORGANISATION_REGISTER,
    PROJECT,
    REGION_REGISTER,
    SOCIAL_WORKER_REGISTER,
)
from models.money import format_fen
from models.programme_spec import BudgetLineTemplate, ProgrammeSpec
from models.region import SETTLEMENT_LABELS_ZH, Settlement
from models.roles import ROLE_LABELS_ZH, Actor, Role
from service.excel import cells, credit_columns
from service.excel.reading import Column

ORGANISATIONS, SOCIAL_WORKERS, EXPERTS, DECLARATIONS = "organisations", "social-workers", "experts", "declarations"
PLACES = "places"
CREDIT_RECORDS = "credit-records"
KINDS: tuple[str, ...] = (ORGANISATIONS, SOCIAL_WORKERS, EXPERTS, DECLARATIONS, PLACES, CREDIT_RECORDS)
# Accounts are imported through their own use case (`service.commands.users.import_accounts`): its answer
# carries each new account's one-time password, once.
ACCOUNTS = "accounts"

SHEET_TITLES: dict[str, str] = {
    ORGANISATIONS: "社工机构",
    SOCIAL_WORKERS: "社会工作者",
    EXPERTS: "评审专家",
    DECLARATIONS: "项目申报",
    ACCOUNTS: "登录账号",
    PLACES: "区划与联系方式",
    CREDIT_RECORDS: credit_columns.SHEET_TITLE,
}

# What an import sheet's rows do, as declared next to the lifecycles: the roles that may import a kind are
# the roles that may register (or declare) one row of it. Organisation actors import only their own social
# workers and their own declarations (checked per row).
IMPORT_ACTIONS: dict[str, tuple[Subject, str]] = {
    ORGANISATIONS: (ORGANISATION_REGISTER, "register"),
    SOCIAL_WORKERS: (SOCIAL_WORKER_REGISTER, "register"),
    EXPERTS: (EXPERT_REGISTER, "register"),
    DECLARATIONS: (PROJECT, "declare"),
    ACCOUNTS: (ACCOUNT_REGISTER, "create"),
    PLACES: (REGION_REGISTER, "add"),
    CREDIT_RECORDS: (CREDIT_REGISTER, "enter"),
}
IMPORT_ROLES: dict[str, frozenset[Role]] = {
    kind: roles_for(subject, action) for kind, (subject, action) in IMPORT_ACTIONS.items()
}


def check_may_import(session: Session, actor: Actor, kind: str) -> None:
    """The one permission check (`authorize`) of what each row would add, asked before any byte of the file is read."""
    subject, action = IMPORT_ACTIONS[kind]
    authorize(session, actor=actor, subject=subject, action=action)


def _column(header: str, parse: cells.Parser, hint: str, *, required: bool = True) -> Column:
    return Column(header, parse, required, ("必填。" if required else "选填。") + hint)


# 社工机构 — created or updated by 统一社会信用代码.
ORG_NAME = _column("机构名称", cells.text(200), "登记证书上的全称，最多 200 字。")
ORG_CREDIT_CODE = _column("统一社会信用代码", cells.credit_code, "18 位，请将单元格设为文本格式；系统核对校验位。")
ORG_REGISTERED = _column("是否在民政部门登记", cells.yes_no, "填“是”或“否”。")
ORG_REGISTERED_ON = _column("登记日期", cells.calendar_date, "日期，如 2018-03-01。", required=False)
ORG_GOVERNANCE = _column("是否具有健全的法人治理结构", cells.yes_no, "填“是”或“否”。")
ORG_FINANCES = _column("是否具有规章财务制度和独立银行账号", cells.yes_no, "填“是”或“否”。")
ORG_EMAIL = _column("联系邮箱", cells.email, "接收系统通知的电子邮箱。", required=False)
ORGANISATION_COLUMNS = [
    ORG_NAME,
    ORG_CREDIT_CODE,
    ORG_REGISTERED,
    ORG_REGISTERED_ON,
    ORG_GOVERNANCE,
    ORG_FINANCES,
    ORG_EMAIL,
]

# 社会工作者 — registered by (所属机构, 姓名); an import never updates one.
WORKER_NAME = _column("姓名", cells.text(100), "最多 100 字；本机构已登记的姓名不能再导入。")
WORKER_EMPLOYER = _column("所属机构统一社会信用代码", cells.key_text(18), "须为系统中已有的社工机构。")
WORKER_QUALIFICATION = _column(
    "职业资格", cells.qualification, "填“" + "”“".join(cells.QUALIFICATION_WORDS) + "”之一。"
)
WORKER_DEGREE = _column("是否社会工作专业毕业", cells.yes_no, "填“是”或“否”。")
SOCIAL_WORKER_COLUMNS = [WORKER_NAME, WORKER_EMPLOYER, WORKER_QUALIFICATION, WORKER_DEGREE]

# 评审专家 — registered by 电子邮箱; an import never updates one.
EXPERT_NAME = _column("姓名", cells.text(100), "最多 100 字。")
EXPERT_EMAIL = _column(
    "电子邮箱", cells.email, "评审任务通知发往此邮箱；一个邮箱只属于一位专家，已登记的邮箱不能再导入。"
)
EXPERT_FIELD = _column("专业领域", cells.text(200), "最多 200 字。", required=False)
EXPERT_EMPLOYER = _column("工作单位", cells.text(200), "最多 200 字。", required=False)
EXPERT_COLUMNS = [EXPERT_NAME, EXPERT_EMAIL, EXPERT_FIELD, EXPERT_EMPLOYER]

# 项目申报 — every row becomes a draft declaration through models.declarations.declare.
DECL_PROGRAMME = _column("试点批次代码", cells.text(60), "如 lanzhou-2022。")
DECL_COMMUNITY = _column(
    "社区（区/街道/社区）", cells.text(300), "用“/”分隔的区划名称，如 城关区/张掖路街道/金塔巷社区（可带上市名）。"
)
DECL_ORGANISATION = _column("申报机构统一社会信用代码", cells.key_text(18), "社工机构只能填写本机构的代码。")
DECL_TITLE = _column("项目名称", cells.text(200), "最多 200 字。")
DECL_AREA = _column("社区服务面积（平方米）", cells.whole_number, "整数。")
DECL_CONSENT = _column(
    "街道领导签字同意书", cells.text(500), "已上传的社区书面申请文件的存放路径或编号。", required=False
)
DECL_TEAM = _column(
    "团队成员",
    cells.text(2000),
    "本机构社会工作者的姓名，用“、”或逗号分隔；机构内有同名社工时写“#编号”（编号见社工列表）。",
    required=False,
)
DECL_TOTAL = _column(
    "项目总经费（元）",
    cells.money_fen,
    "最多两位小数；不填则取各预算科目之和（无预算模板的批次必填）。",
    required=False,
)
DECLARATION_COLUMNS = [
    DECL_PROGRAMME,
    DECL_COMMUNITY,
    DECL_ORGANISATION,
    DECL_TITLE,
    DECL_AREA,
    DECL_CONSENT,
    DECL_TEAM,
    DECL_TOTAL,
]


def _role(value: object) -> Role:
    """A role by its Chinese name (as the template lists them) or its code."""
    written = str(value).strip()
    for role, label in ROLE_LABELS_ZH.items():
        if written in (label, role.value):
            return role
    raise cells.CellProblem("应填写以下角色之一：" + "、".join(ROLE_LABELS_ZH.values()))


# 登录账号 — each row a new account with a one-time password; the scope column its role needs, and only that.
ACCOUNT_USERNAME = _column("用户名", cells.text(100), "登录用户名，最多 100 字，不可与已有账号重复。")
ACCOUNT_DISPLAY_NAME = _column("显示名称", cells.text(100), "如 城关区民政局；不填则与用户名相同。", required=False)
ACCOUNT_ROLE = _column("角色", _role, "填“" + "”“".join(ROLE_LABELS_ZH.values()) + "”之一。")
ACCOUNT_REGION = _column(
    "所辖地区",
    cells.text(300),
    "市、区、街道、社区账号必填：用“/”分隔的区划路径，如 城关区/张掖路街道/金塔巷社区（可带上市名）。",
    required=False,
)
ACCOUNT_ORGANISATION = _column(
    "所属机构", cells.key_text(18), "社工机构账号必填：本机构的统一社会信用代码。", required=False
)
ACCOUNT_EXPERT = _column("专家", cells.email, "评审专家账号必填：专家登记的电子邮箱。", required=False)
ACCOUNT_COLUMNS = [
    ACCOUNT_USERNAME,
    ACCOUNT_DISPLAY_NAME,
    ACCOUNT_ROLE,
    ACCOUNT_REGION,
    ACCOUNT_ORGANISATION,
    ACCOUNT_EXPERT,
]


def _settlement(value: object) -> Settlement:
    """城市 or 农村 (as the template says), or the code."""
    written = str(value).strip()
    for settlement, label in SETTLEMENT_LABELS_ZH.items():
        if written in (label, settlement.value):
            return settlement
    raise cells.CellProblem("应填写“城市”或“农村”")


# 区划与联系方式 — each row a place by its path: created if new (with any new places above it listed too), else updated.
PLACE_PATH = _column(
    "区划（区/街道/社区）",
    cells.text(300),
    "用“/”分隔的区划名称，从本市（省级账号从本省）以下写起，如 城关区/张掖路街道/金塔巷社区；"
    "已有的区划按路径更新，新的区划添加到上一级之下（上一级须已存在或也列在本表中）。",
)
PLACE_EMAIL = _column("联系邮箱", cells.email, "该区划办事机构接收系统通知的电子邮箱；不填则保持原值。", required=False)
PLACE_SETTLEMENT = _column(
    "城乡类别",
    _settlement,
    "填“城市”或“农村”（乡镇、村填农村）；不填则新区划随上一级，已有区划保持原值。",
    required=False,
)
PLACE_AREA = _column(
    "服务面积（平方米）", cells.whole_number, "社区（村）的服务面积，整数；不填则保持原值。", required=False
)
PLACE_COLUMNS = [PLACE_PATH, PLACE_EMAIL, PLACE_SETTLEMENT, PLACE_AREA]

COLUMNS: dict[str, list[Column]] = {
    ORGANISATIONS: ORGANISATION_COLUMNS,
    SOCIAL_WORKERS: SOCIAL_WORKER_COLUMNS,
    EXPERTS: EXPERT_COLUMNS,
    DECLARATIONS: DECLARATION_COLUMNS,
    ACCOUNTS: ACCOUNT_COLUMNS,
    PLACES: PLACE_COLUMNS,
    CREDIT_RECORDS: credit_columns.CREDIT_COLUMNS,
}


def budget_column(line: BudgetLineTemplate) -> Column:
    """One money column per line of the programme's budget template, headed “<科目名称>（元）”."""
    hint = f"必填。本批次预算科目“{line.name}”，模板金额 {format_fen(line.amount_fen)}；金额（元），最多两位小数。"
    return Column(f"{line.name}（元）", cells.money_fen, True, hint)


def columns_for(kind: str, programme: ProgrammeSpec | None = None) -> list[Column]:
    """The sheet's columns; declarations add the budget lines of the programme, when one is given."""
    columns = list(COLUMNS[kind])
    if kind == DECLARATIONS and programme is not None and programme.budget is not None:
        columns += [budget_column(line) for line in programme.budget.lines]
    return columns
