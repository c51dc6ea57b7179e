"""Who may do what in sanshe, declared once: the three lifecycles (project, node report, review assignment)
with their creation and self-transition events, and the registers that have no states.

Read by `authorize()` and `transition()`, by the API's list of allowed actions, by the tests and by the
README diagrams. Effects are named here and bound to functions by `service.effects`.
"""

from typing import Any

from models import guards
from models.expert import Expert
from models.node import Node
from models.organisation import Organisation
from models.parties import Party
from models.payloads import (
    AcceptancePayload,
    CommunityOpinionPayload,
    DueDatePayload,
    NodeReportPayload,
    ReviewScoresPayload,
)
from models.project import Project
from models.region import REGION_ENTITY, Region
from models.review import ReviewAssignment
from models.roles import Role
from models.service_clock import ADVANCE_CLOCK, CLOCK_ENTITY, ServiceClock
from models.social_worker import SocialWorker
from models.statemachine import Creation, Event, Lifecycle, Notice, Register

COORDINATOR = frozenset({Role.CITY_COORDINATOR})
BUREAUS = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU})
ORGANISATION = frozenset({Role.ORGANISATION})
COMMUNITY = frozenset({Role.COMMUNITY})
DISTRICT = frozenset({Role.DISTRICT_BUREAU})
EXPERT = frozenset({Role.EXPERT})
ADMIN = frozenset({Role.ADMIN})

# The coordinator may act outside an event's phase window (合同、启动、确定名单、验收), with a reason.
PHASE_OVERRIDE = COORDINATOR
# The bureaus may enter an organisation's report or a community's confirmation sent on paper, where the programme
# allows paper entry (`models.on_behalf`).
PAPER_ENTRY = BUREAUS

LOCAL_PARTIES = (Party.ORGANISATION, Party.COMMUNITY, Party.STREET_OFFICE, Party.DISTRICT_BUREAU)

_PROJECT_STATES = {
    "draft": "草稿",
    "submitted": "已申报",
    "eligible": "资格审查通过",
    "ineligible": "资格审查未通过",
    "under_review": "专家评审中",
    "selected": "入选",
    "not_selected": "未入选",
    "contracted": "已签订购买协议",
    "in_progress": "实施中",
    "suspended": "暂停",
    "final_evaluation": "末期评估",
    "rectification": "整改中",
    "accepted": "验收通过",
    "failed": "验收不合格",
    "withdrawn": "已撤回",
    "terminated": "已终止",
}
_PROJECT_TERMINAL = frozenset({"ineligible", "not_selected", "accepted", "failed", "withdrawn", "terminated"})
_PROJECT_LIVE = frozenset(_PROJECT_STATES) - _PROJECT_TERMINAL
_IMPLEMENTATION = frozenset({"in_progress", "suspended", "final_evaluation", "rectification"})
_PROJECT_GROUPS = {
    "declaration": frozenset({"draft", "submitted", "eligible", "under_review", "selected"}),  # before the contract
    "review": frozenset({"under_review"}),
    "implementation": _IMPLEMENTATION,
    "running": frozenset({"in_progress"}),  # nodes escalate
    "paused": frozenset({"suspended"}),  # rungs wait; resuming re-plans the open nodes
    "planned": frozenset({"in_progress", "suspended"}),  # open nodes follow the programme's dates
    # Selected projects that still hold a district's slot; a terminated one frees it for a replacement.
    "holds_quota": frozenset({"selected", "contracted", "accepted", "failed"}) | _IMPLEMENTATION,
}
_NODE_STATES = {
    "pending": "待提交",
    "submitted": "已提交",
    "confirmed_by_community": "社区已确认",
    "returned": "退回修改",
    "resubmitted": "已重新提交",
    "approved": "审核通过",
    "waived": "免于提交",
}
_NODE_CLOSED = frozenset({"approved", "waived"})
_NODE_OPEN = frozenset(_NODE_STATES) - _NODE_CLOSED

_REVIEW_STATES = {
    "offered": "已分配",
    "accepted": "已接受",
    "declined": "已谢绝",
    "submitted": "已提交评分",
    "withdrawn": "已撤销",
}
_REVIEW_CLOSED = frozenset({"declined", "submitted", "withdrawn"})
_REVIEW_OPEN = frozenset(_REVIEW_STATES) - _REVIEW_CLOSED

_UNDER_IMPLEMENTATION = guards.project_in(
    _IMPLEMENTATION, code="project.not_in_implementation", message="项目不在实施阶段，不能提交节点报告"
)
_UNDER_REVIEW = guards.project_in(
    _PROJECT_GROUPS["review"], code="review.not_under_review", message="只有专家评审中的项目可以分配评审任务"
)

PROJECT = Lifecycle(
    name="project",
    label="试点项目",
    states=_PROJECT_STATES,
    initial="draft",
    terminal=_PROJECT_TERMINAL,
    groups=_PROJECT_GROUPS,
    table=Project,
    creations=(
        Creation("declare", "发起申报", ORGANISATION | ADMIN, guards=(guards.not_blacklisted,), who="社工机构"),
    ),
    events=(
        Event(
            "submit",
            "提交申报",
            frozenset({"draft"}),
            "submitted",
            ORGANISATION,
            guards=(guards.within_declaration_window, guards.not_blacklisted),
            notices=(Notice("declaration_submitted", (Party.DISTRICT_BUREAU,)),),
        ),
        Event(
            "confirm_eligibility",
            "资格审查通过",
            frozenset({"submitted"}),
            "eligible",
            BUREAUS,
            guards=(guards.declaration_is_eligible,),
            notices=(Notice("declaration_eligible", (Party.ORGANISATION, Party.COMMUNITY)),),
        ),
        Event(
            "declare_ineligible",
            "资格审查不通过",
            frozenset({"submitted"}),
            "ineligible",
            BUREAUS,
            needs_reason=True,
            notices=(Notice("declaration_ineligible", (Party.ORGANISATION, Party.COMMUNITY)),),
        ),
        Event("open_review", "提交专家评审", frozenset({"eligible"}), "under_review", COORDINATOR),
        Event(
            "select",
            "确定入选",
            frozenset({"under_review"}),
            "selected",
            COORDINATOR,
            guards=(
                guards.within_phase("review"),
                guards.quota_left(_PROJECT_GROUPS["holds_quota"]),
                guards.all_reviews_closed(_REVIEW_CLOSED),
            ),
            notices=(Notice("project_selected", LOCAL_PARTIES),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "reject",
            "确定不入选",
            frozenset({"under_review"}),
            "not_selected",
            COORDINATOR,
            needs_reason=True,
            guards=(guards.within_phase("review"),),
            notices=(Notice("declaration_not_selected", (Party.ORGANISATION, Party.COMMUNITY)),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "contract",
            "签订购买协议",
            frozenset({"selected"}),
            "contracted",
            COORDINATOR,
            guards=(guards.within_phase("contracting"), guards.budget_is_valid),
            notices=(Notice("project_contracted", (Party.ORGANISATION,)),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "start",
            "启动实施",
            frozenset({"contracted"}),
            "in_progress",
            BUREAUS,
            guards=(guards.within_phase("implementation"),),
            effects=("plan_project_nodes",),
            notices=(Notice("project_started", LOCAL_PARTIES),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "suspend",
            "暂停实施",
            frozenset({"in_progress"}),
            "suspended",
            BUREAUS,
            needs_reason=True,
            notices=(Notice("project_suspended", LOCAL_PARTIES),),
        ),
        Event(
            "resume",
            "恢复实施",
            frozenset({"suspended"}),
            "in_progress",
            BUREAUS,
            effects=("replan_after_resume",),
            notices=(Notice("project_resumed", LOCAL_PARTIES),),
        ),
        Event(
            "begin_final_evaluation",
            "进入末期评估",
            frozenset({"in_progress"}),
            "final_evaluation",
            BUREAUS,
            guards=(guards.all_nodes_closed(_NODE_CLOSED),),
        ),
        Event(
            "accept",
            "验收通过",
            frozenset({"final_evaluation", "rectification"}),
            "accepted",
            COORDINATOR,
            guards=(guards.within_phase("acceptance"), guards.local_policy_documents),
            payload=AcceptancePayload,
            notices=(Notice("project_accepted", LOCAL_PARTIES),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "require_rectification",
            "责令整改",
            frozenset({"final_evaluation"}),
            "rectification",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("project_rectification", LOCAL_PARTIES),),
        ),
        Event(
            "fail",
            "验收不合格",
            frozenset({"final_evaluation", "rectification"}),
            "failed",
            COORDINATOR,
            needs_reason=True,
            guards=(guards.within_phase("acceptance"),),
            effects=("record_failed_acceptance",),
            notices=(Notice("project_failed", LOCAL_PARTIES),),
            override_roles=PHASE_OVERRIDE,
        ),
        Event(
            "withdraw",
            "撤回申报",
            _PROJECT_GROUPS["declaration"],
            "withdrawn",
            ORGANISATION,
            needs_reason=True,
            notices=(Notice("declaration_withdrawn", (Party.COMMUNITY, Party.DISTRICT_BUREAU)),),
        ),
        Event(
            "terminate",
            "终止项目",
            _PROJECT_LIVE,
            "terminated",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("project_terminated", LOCAL_PARTIES),),
        ),
        Event(
            "terminate_for_fraud",
            "因弄虚作假终止并列入黑名单",
            _PROJECT_LIVE,
            "terminated",
            COORDINATOR,
            needs_reason=True,
            effects=("blacklist_organisation",),
            notices=(Notice("project_terminated_for_fraud", LOCAL_PARTIES),),
        ),
    ),
)

NODE = Lifecycle(
    name="node",
    label="节点报告",
    states=_NODE_STATES,
    initial="pending",
    terminal=_NODE_CLOSED,
    groups={"closed": _NODE_CLOSED},
    table=Node,
    events=(
        Event(
            "submit",
            "提交报告",
            frozenset({"pending"}),
            "submitted",
            ORGANISATION,
            guards=(_UNDER_IMPLEMENTATION,),
            effects=("record_report_version",),
            payload=NodeReportPayload,
            notices=(Notice("report_submitted", (Party.COMMUNITY,)),),
            on_behalf_roles=PAPER_ENTRY,
        ),
        Event(
            "confirm",
            "社区确认并加注意见",
            frozenset({"submitted", "resubmitted"}),
            "confirmed_by_community",
            COMMUNITY,
            effects=("record_community_opinion",),
            payload=CommunityOpinionPayload,
            notices=(Notice("report_confirmed", (Party.DISTRICT_BUREAU,)),),
            on_behalf_roles=PAPER_ENTRY,
        ),
        Event(
            "approve",
            "审核通过",
            frozenset({"confirmed_by_community"}),
            "approved",
            DISTRICT,
            notices=(Notice("report_approved", (Party.ORGANISATION,)),),
        ),
        Event(
            "return",
            "退回修改",
            frozenset({"confirmed_by_community"}),
            "returned",
            DISTRICT,
            needs_reason=True,
            effects=("record_review_comment",),
            notices=(Notice("report_returned", (Party.ORGANISATION, Party.COMMUNITY)),),
        ),
        Event(
            "resubmit",
            "重新提交",
            frozenset({"returned"}),
            "resubmitted",
            ORGANISATION,
            guards=(_UNDER_IMPLEMENTATION,),
            effects=("record_report_version",),
            payload=NodeReportPayload,
            notices=(Notice("report_submitted", (Party.COMMUNITY,)),),
            on_behalf_roles=PAPER_ENTRY,
        ),
        Event(
            "waive",
            "免于提交",
            _NODE_OPEN,
            "waived",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("report_waived", (Party.ORGANISATION, Party.DISTRICT_BUREAU)),),
        ),
        Event(
            "extend",
            "批准节点延期",
            _NODE_OPEN,
            None,  # the state stays; the due date moves and rungs already sent stay sent
            COORDINATOR | ADMIN,
            needs_reason=True,
            guards=(guards.due_date_later,),
            effects=("move_due_date",),
            payload=DueDatePayload,
            who="市民政局",
        ),
    ),
)

REVIEW_ASSIGNMENT = Lifecycle(
    name="review_assignment",
    label="评审任务",
    states=_REVIEW_STATES,
    initial="offered",
    terminal=_REVIEW_CLOSED,
    table=ReviewAssignment,
    creations=(
        Creation(
            "assign",
            "分配评审任务",
            COORDINATOR | ADMIN,
            guards=(_UNDER_REVIEW, guards.no_conflict_of_interest),
            who="市民政局",
        ),
    ),
    events=(
        Event("accept", "接受评审任务", frozenset({"offered"}), "accepted", EXPERT),
        Event(
            "decline",
            "谢绝评审任务",
            frozenset({"offered"}),
            "declined",
            EXPERT,
            needs_reason=True,
            notices=(Notice("review_declined", (Party.CITY_COORDINATOR,)),),
        ),
        Event(
            "submit_scores",
            "提交评分",
            frozenset({"accepted"}),
            "submitted",
            EXPERT,
            guards=(guards.scores_complete,),
            effects=("record_scores",),
            payload=ReviewScoresPayload,
        ),
        Event(
            "withdraw",
            "撤销评审任务（利益冲突）",
            _REVIEW_OPEN,
            "withdrawn",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("review_withdrawn", (Party.EXPERT,)),),
        ),
        Event(
            "extend_due_date",
            "延长评审截止日期",
            _REVIEW_OPEN,
            None,  # the state stays; the expert gets the invitation again with the same UID
            COORDINATOR | ADMIN,
            guards=(guards.due_date_later,),
            effects=("extend_review",),
            payload=DueDatePayload,
            who="市民政局",
        ),
    ),
)

ORGANISATION_REGISTER = Register(
    "organisation",
    "社工机构",
    (
        Creation("register", "登记社工机构", BUREAUS | ADMIN),
        Creation("edit", "修改社工机构信息", BUREAUS | ADMIN),
    ),
    table=Organisation,
)
SOCIAL_WORKER_REGISTER = Register(
    "social_worker",
    "社会工作者",
    (
        Creation("register", "登记社会工作者", BUREAUS | ORGANISATION | ADMIN),
        Creation("edit", "修改社会工作者信息", BUREAUS | ORGANISATION | ADMIN),
    ),
    table=SocialWorker,
)
EXPERT_REGISTER = Register(
    "expert",
    "评审专家",
    (
        Creation("register", "登记评审专家", COORDINATOR | ADMIN),
        Creation("edit", "修改评审专家信息", COORDINATOR | ADMIN),
    ),
    table=Expert,
)
PROGRAMME_REGISTER = Register("programme", "试点批次", (Creation("load", "载入试点批次文件", COORDINATOR | ADMIN),))
CALENDAR_REGISTER = Register(
    "official_year", "正式节假日安排", (Creation("load", "载入正式节假日安排", COORDINATOR | ADMIN),)
)
ATTACHMENT_REGISTER = Register(
    "attachment", "节点报告附件", (Creation("upload", "上传节点报告附件", ORGANISATION | ADMIN, who="社工机构"),)
)
NOTICE_REGISTER = Register("notice", "邮件通知", (Creation("requeue", "重新发送通知", COORDINATOR | ADMIN),))
BULLETIN_REGISTER = Register(
    "bulletin",
    "节点工作完成情况通报",
    (Creation("publish", "生成节点工作完成情况通报", COORDINATOR | ADMIN, who="市民政局"),),
)
_ACCOUNT_MANAGERS = BUREAUS | ADMIN
ACCOUNT_REGISTER = Register(
    "user",
    "登录账号",
    (
        Creation("create", "创建登录账号", _ACCOUNT_MANAGERS, who="市民政局、区民政局"),
        Creation("disable", "停用登录账号", _ACCOUNT_MANAGERS, who="市民政局、区民政局"),
        Creation("enable", "重新启用登录账号", _ACCOUNT_MANAGERS, who="市民政局、区民政局"),
        Creation("reset_password", "重置登录密码", _ACCOUNT_MANAGERS, who="市民政局、区民政局"),
    ),
)
# Places and their notice addresses: the coordinator within its programme's region, a district bureau within its
# district (`models.region_tree.place_in_scope`).
REGION_REGISTER = Register(
    REGION_ENTITY,
    "区划",
    (
        Creation("add", "添加区划", BUREAUS | ADMIN, who="市民政局、区民政局"),
        Creation("edit", "修改区划信息", BUREAUS | ADMIN, who="市民政局、区民政局"),
    ),
    table=Region,
)
# Penalties, annual inspections and blacklist entries of organisations and social workers: entered and lifted by
# the coordinator only (organisations are bound to no place, so no district has them "in its area").
CREDIT_REGISTER = Register(
    "credit_record",
    "信用记录",
    (
        Creation("enter", "录入信用记录", COORDINATOR | ADMIN, who="市民政局"),
        Creation("lift", "解除黑名单", COORDINATOR | ADMIN, needs_reason=True, who="市民政局"),
    ),
)
# An expert's calendar feed of its open reviews (`service/commands/calendar_feeds.py`): its own only.
CALENDAR_FEED_REGISTER = Register(
    "calendar_feed",
    "评审日历订阅",
    (
        Creation("issue", "订阅评审日历", EXPERT, who="评审专家"),
        Creation("revoke", "取消评审日历订阅", EXPERT, who="评审专家"),
    ),
)
# The stored clock of a demo or simulation (`models.service_clock`): set forward by the coordinator only.
CLOCK_REGISTER = Register(
    CLOCK_ENTITY,
    "模拟时钟",
    (Creation(ADVANCE_CLOCK, "拨快模拟时钟", COORDINATOR | ADMIN, who="市民政局"),),
    table=ServiceClock,
)
# Whose accounts each manager may create, disable, re-enable and reset, within its own region
# (`models.user.account_in_scope`); the administrator may manage every account.
ACCOUNT_ROLES_MANAGED: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.CITY_COORDINATOR: frozenset(Role) - ADMIN,
    Role.DISTRICT_BUREAU: frozenset({Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.COMMUNITY, Role.ORGANISATION}),
}

LIFECYCLES: tuple[Lifecycle, ...] = (PROJECT, NODE, REVIEW_ASSIGNMENT)
REGISTERS: tuple[Register, ...] = (
    ORGANISATION_REGISTER,
    SOCIAL_WORKER_REGISTER,
    EXPERT_REGISTER,
    PROGRAMME_REGISTER,
    CALENDAR_REGISTER,
    ATTACHMENT_REGISTER,
    NOTICE_REGISTER,
    BULLETIN_REGISTER,
    ACCOUNT_REGISTER,
    REGION_REGISTER,
    CREDIT_REGISTER,
    CLOCK_REGISTER,
    CALENDAR_FEED_REGISTER,
)
_BY_TABLE: dict[type, Lifecycle] = {Project: PROJECT, Node: NODE, ReviewAssignment: REVIEW_ASSIGNMENT}
BY_NAME: dict[str, Lifecycle] = {lifecycle.name: lifecycle for lifecycle in LIFECYCLES}


def lifecycle_of(entity: Any) -> Lifecycle:
    return _BY_TABLE[type(entity)]


def declared_actions() -> list[tuple[Lifecycle | Register, str]]:
    """Every (subject, action) that someone may be allowed or refused: what the permission matrix walks."""
    return [(subject, action.name) for subject in (*LIFECYCLES, *REGISTERS) for action in subject.actions]
