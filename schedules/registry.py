"""What runs when: one registry, read by the in-service scheduler and by `sanshe deploy` alike.

Cron expressions are in Asia/Shanghai time. The sweeps run every day, weekends included: adjusted
working weekends (调休) are working days, and a sweep on a rest day simply finds nothing new.
"""

from dataclasses import dataclass, field
from typing import Any

TIMEZONE = "Asia/Shanghai"


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


def job(job_id: str) -> Job:
    found = next((j for j in JOBS if j.id == job_id), None)
    if found is None:
        raise KeyError(f"unknown job {job_id}")
    return found
