"""Tables, lifecycle declarations and seed rules of sanshe.

Importing this package registers every table on `SQLModel.metadata` (Alembic and the tests rely on it).
"""

from models.audit import AuditEvent
from models.calendar_override import CalendarOverride, OfficialCalendarYear
from models.escalation import EscalationClaim, SweepRun
from models.expert import Expert, ExpertConflict
from models.login_attempt import LoginFailure
from models.node import Node, NodeReportVersion
from models.organisation import AnnualInspection, CreditEntry, Organisation, Penalty
from models.outbox import OutboxMessage
from models.programme import Programme, ProgrammeQuota
from models.project import BudgetLine, Project, ProjectTeamMember
from models.region import Region
from models.review import ReviewAssignment, ReviewScore
from models.service_clock import ServiceClock
from models.social_worker import SocialWorker
from models.user import User

__all__ = [
    "AnnualInspection",
    "AuditEvent",
    "BudgetLine",
    "CalendarOverride",
    "CreditEntry",
    "EscalationClaim",
    "Expert",
    "ExpertConflict",
    "LoginFailure",
    "Node",
    "NodeReportVersion",
    "OfficialCalendarYear",
    "Organisation",
    "OutboxMessage",
    "Penalty",
    "Programme",
    "ProgrammeQuota",
    "Project",
    "ProjectTeamMember",
    "Region",
    "ReviewAssignment",
    "ReviewScore",
    "ServiceClock",
    "SocialWorker",
    "SweepRun",
    "User",
]
