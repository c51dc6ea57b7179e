"""Dated nodes of a project (节点) and the versions of the report submitted for each.

A node row carries the node-report lifecycle state: one node, one report, many versions.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, json_column


class Node(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("project_id", "kind", "sequence", name="uq_node_project_kind_sequence"),
        # The sweep reads only the nodes whose next rung is due: its cost follows the work due now. Partial:
        # closed nodes and spent ladders (NULL) are most nodes in time and need no entry.
        Index(
            "ix_node_next_rung",
            "next_rung_on",
            "id",
            sqlite_where=text("next_rung_on IS NOT NULL"),
            postgresql_where=text("next_rung_on IS NOT NULL"),
        ),
        # "Has an overdue open node" is answered from the index alone, per project.
        Index("ix_node_project_state_due", "project_id", "state", "due_date"),
        # The overdue list and 我的待办 page through open nodes by (due_date, id): read in index order, no sort.
        Index("ix_node_due_date_id", "due_date", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: uq_node_project_kind_sequence and ix_node_project_state_due lead with it, and every
    # index more is one more entry to write each time the sweep moves a node to its next rung.
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=40)  # progress, supervision, mid_term, audit, final, …
    sequence: int = Field(default=1)
    title: str = Field(max_length=200)
    due_date: date = Field(index=True)  # an Asia/Shanghai calendar date
    planned_from: str = Field(max_length=200)  # the schedule rule that produced the due date
    provisional: bool = False  # computed from a year with no official holiday data
    state: str = Field(default="pending", max_length=30, index=True)
    version: int = Field(default=1)
    # The escalation ladder's next rung for this node (index into the programme's rungs) and the working
    # day it fires; both NULL once the node is closed or the ladder is spent.
    next_rung_index: int | None = None
    next_rung_on: date | None = None


class NodeReportVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("node_id", "number", name="uq_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    number: int
    summary: str = Field(max_length=10000)
    attachments: list[str] = Field(default_factory=list, sa_column=json_column())  # file references
    submitted_at: datetime = Field(sa_column=aware_datetime_column())
    submitted_by: str = Field(max_length=100)
    community_opinion: str | None = Field(default=None, max_length=5000)  # 确认并加注意见
    review_comment: str | None = Field(default=None, max_length=5000)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
