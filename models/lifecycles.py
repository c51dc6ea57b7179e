"""The three lifecycles of sanshe, declared once: project, node report, review assignment.

Read by `transition()`, by the API's list of allowed actions, by the tests and by the README diagrams.
"""

from typing import Any

from models import effects, guards
from models.lifecycle import Event, Lifecycle, Notice
from models.milestone import Milestone
from models.parties import Party
from models.project import Project
from models.review import ReviewAssignment
from models.roles import Role

COORDINATOR = frozenset({Role.CITY_COORDINATOR})
BUREAUS = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU})
ORGANISATION = frozenset({Role.ORGANISATION})
COMMUNITY = frozenset({Role.COMMUNITY})
DISTRICT = frozenset({Role.DISTRICT_BUREAU})
EXPERT = frozenset({Role.EXPERT})

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
_BEFORE_CONTRACT = frozenset({"draft", "submitted", "eligible", "under_review", "selected"})

PROJECT = Lifecycle(
    name="project",
    label="试点项目",
    states=_PROJECT_STATES,
    initial="draft",
    terminal=_PROJECT_TERMINAL,
    events=(
        Event(
            "submit",
            "提交申报",
            frozenset({"draft"}),
            "submitted",
            ORGANISATION,
            guards=(guards.within_declaration_window,),
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
            guards=(guards.quota_left,),
            notices=(Notice("project_selected", LOCAL_PARTIES),),
        ),
        Event(
            "reject",
            "确定不入选",
            frozenset({"under_review"}),
            "not_selected",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("declaration_not_selected", (Party.ORGANISATION, Party.COMMUNITY)),),
        ),
        Event(
            "contract",
            "签订购买协议",
            frozenset({"selected"}),
            "contracted",
            COORDINATOR,
            guards=(guards.budget_is_valid,),
            notices=(Notice("project_contracted", (Party.ORGANISATION,)),),
        ),
        Event(
            "start",
            "启动实施",
            frozenset({"contracted"}),
            "in_progress",
            BUREAUS,
            effects=(effects.plan_milestones,),
            notices=(Notice("project_started", LOCAL_PARTIES),),
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
            effects=(effects.replan_after_resume,),
            notices=(Notice("project_resumed", LOCAL_PARTIES),),
        ),
        Event(
            "begin_final_evaluation",
            "进入末期评估",
            frozenset({"in_progress"}),
            "final_evaluation",
            BUREAUS,
            guards=(guards.all_nodes_closed,),
        ),
        Event(
            "accept",
            "验收通过",
            frozenset({"final_evaluation", "rectification"}),
            "accepted",
            COORDINATOR,
            guards=(guards.local_policy_documents,),
            notices=(Notice("project_accepted", LOCAL_PARTIES),),
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
            notices=(Notice("project_failed", LOCAL_PARTIES),),
        ),
        Event(
            "withdraw",
            "撤回申报",
            _BEFORE_CONTRACT,
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
            effects=(effects.blacklist_organisation,),
            notices=(Notice("project_terminated_for_fraud", LOCAL_PARTIES),),
        ),
    ),
)

_NODE_OPEN = frozenset({"pending", "submitted", "confirmed_by_community", "returned", "resubmitted"})

NODE_REPORT = Lifecycle(
    name="node_report",
    label="节点报告",
    states={
        "pending": "待提交",
        "submitted": "已提交",
        "confirmed_by_community": "社区已确认",
        "returned": "退回修改",
        "resubmitted": "已重新提交",
        "approved": "审核通过",
        "waived": "免于提交",
    },
    initial="pending",
    terminal=frozenset({"approved", "waived"}),
    events=(
        Event(
            "submit",
            "提交报告",
            frozenset({"pending"}),
            "submitted",
            ORGANISATION,
            guards=(guards.project_under_implementation, guards.report_summary_given),
            effects=(effects.record_report_version,),
            notices=(Notice("report_submitted", (Party.COMMUNITY,)),),
        ),
        Event(
            "confirm",
            "社区确认并加注意见",
            frozenset({"submitted", "resubmitted"}),
            "confirmed_by_community",
            COMMUNITY,
            guards=(guards.community_opinion_given,),
            effects=(effects.record_community_opinion,),
            notices=(Notice("report_confirmed", (Party.DISTRICT_BUREAU,)),),
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
            effects=(effects.record_review_comment,),
            notices=(Notice("report_returned", (Party.ORGANISATION, Party.COMMUNITY)),),
        ),
        Event(
            "resubmit",
            "重新提交",
            frozenset({"returned"}),
            "resubmitted",
            ORGANISATION,
            guards=(guards.project_under_implementation, guards.report_summary_given),
            effects=(effects.record_report_version,),
            notices=(Notice("report_submitted", (Party.COMMUNITY,)),),
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
    ),
)

REVIEW_ASSIGNMENT = Lifecycle(
    name="review_assignment",
    label="评审任务",
    states={
        "offered": "已分配",
        "accepted": "已接受",
        "declined": "已谢绝",
        "submitted": "已提交评分",
        "withdrawn": "已撤销",
    },
    initial="offered",
    terminal=frozenset({"declined", "submitted", "withdrawn"}),
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
            effects=(effects.record_scores,),
        ),
        Event(
            "withdraw",
            "撤销评审任务（利益冲突）",
            frozenset({"offered", "accepted"}),
            "withdrawn",
            COORDINATOR,
            needs_reason=True,
            notices=(Notice("review_withdrawn", (Party.EXPERT,)),),
        ),
    ),
)

LIFECYCLES: tuple[Lifecycle, ...] = (PROJECT, NODE_REPORT, REVIEW_ASSIGNMENT)
_BY_TABLE: dict[type, Lifecycle] = {Project: PROJECT, Milestone: NODE_REPORT, ReviewAssignment: REVIEW_ASSIGNMENT}
BY_NAME: dict[str, Lifecycle] = {lifecycle.name: lifecycle for lifecycle in LIFECYCLES}


def lifecycle_of(entity: Any) -> Lifecycle:
    return _BY_TABLE[type(entity)]
