"""What runs when: one registry, read by the in-service scheduler and by `sanshe deploy` alike.

Cron expressions are in Asia/Shanghai time. The sweeps run every day, weekends included: adjusted
working weekends (调休) are working days, and a sweep on a rest day simply finds nothing new.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from prefect.events import DeploymentEventTrigger
    from prefect.schedules import Schedule

TIMEZONE = "Asia/Shanghai"
PROJECT_TAG = "sanshe"
# A deployment's interval runs fall on whole multiples from midnight in Shanghai, and a second deploy keeps them.
INTERVAL_ANCHOR = datetime(2022, 1, 1, tzinfo=ZoneInfo(TIMEZONE))


@dataclass(frozen=True)
class Job:
    id: str
    entrypoint: str  # flows/<module>.py:<flow>: what a Prefect deployment and the in-service scheduler both run
    cron: str | None = None
    interval_minutes: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # the flow's parameters (its request model)
    description: str = ""
    followed_by: tuple[str, ...] = ()  # jobs the in-service runner starts right after this one
    # When the simulated clock is set forward past some of its runs: "last" runs once, as of the last day missed
    # (the sweeps' catch-up policy takes care of the rest); "span" runs once over the whole span (as_of and since).
    catch_up: str = "last"

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.interval_minutes is None):
            raise ValueError(f"{self.id}: a job runs by cron or by interval_minutes, exactly one of them")

    @property
    def tags(self) -> tuple[str, ...]:
        """The tags every run of the job carries, started by the service or by its deployment: one definition."""
        return (PROJECT_TAG, f"job:{self.id}")

    @property
    def interval(self) -> timedelta | None:
        return None if self.interval_minutes is None else timedelta(minutes=self.interval_minutes)

    def schedule_text(self) -> str:
        """How often it runs, for the operator: the cron or the interval, in Asia/Shanghai."""
        return f"{self.cron or f'每 {self.interval_minutes} 分钟'}，{TIMEZONE}"


JOBS: tuple[Job, ...] = (
    Job(
        id="enforce-deadlines",
        entrypoint="flows/enforce_deadlines.py:enforce_deadlines",
        cron="0 7 * * *",
        parameters={"request": {}},
        description="每日节点督办：提醒、逾期升级",
        followed_by=("dispatch-notifications",),  # the sweep's notices go out at once, not 5 minutes later
    ),
    Job(
        id="review-reminders",
        entrypoint="flows/review_reminders.py:review_reminders",
        cron="30 7 * * *",
        parameters={"request": {}},
        description="每日评审任务催办",
        followed_by=("dispatch-notifications",),
    ),
    Job(
        id="publish-quarterly-bulletins",
        entrypoint="flows/publish_bulletin.py:publish_quarterly_bulletins",
        cron="0 8 1-10 1,4,7,10 *",  # the flow publishes on the quarter's first working day only (节后首个工作日)
        parameters={"request": {}},
        description="每季度首个工作日发布上季度节点工作完成情况通报",
        followed_by=("dispatch-notifications",),
        catch_up="span",  # every quarter whose first working day was passed gets its bulletin
    ),
    Job(
        id="dispatch-notifications",
        entrypoint="flows/dispatch_notifications.py:dispatch_notifications",
        interval_minutes=5,
        parameters={"request": {}},
        description="发送发件箱中到期的通知",
    ),
)


def deployment_schedule(entry: Job) -> "Schedule":
    """The job's schedule as its Prefect deployment runs it: the same cron in Asia/Shanghai, or the same interval."""
    from prefect.schedules import Cron, Interval

    if entry.cron is not None:
        return Cron(entry.cron, timezone=TIMEZONE)
    assert entry.interval is not None
    return Interval(entry.interval, anchor_date=INTERVAL_ANCHOR, timezone=TIMEZONE)


def leaders(entry: Job) -> tuple[str, ...]:
    """The jobs this one follows (`followed_by`): the dispatcher goes right after each sweep and the bulletins."""
    return tuple(other.id for other in JOBS if entry.id in other.followed_by)


def deployment_triggers(entry: Job) -> list["DeploymentEventTrigger"]:
    """A deployed job follows the same jobs as in the service: started when a deployed run of one of them completes.

    Only runs started by a deployment match; a run of the service's own scheduler starts its followers itself."""
    from prefect.events import DeploymentEventTrigger

    leading = leaders(entry)
    if not leading:
        return []
    return [
        DeploymentEventTrigger(
            name=f"{entry.id}-after-{'-'.join(leading)}",
            description=f"{entry.description}：紧随 {'、'.join(leading)} 的每次部署运行完成之后",
            expect={"prefect.flow-run.Completed"},
            match_related={"prefect.resource.role": "deployment", "prefect.resource.name": list(leading)},
        )
    ]


def job(job_id: str) -> Job:
    found = next((j for j in JOBS if j.id == job_id), None)
    if found is None:
        raise KeyError(f"unknown job {job_id}")
    return found
