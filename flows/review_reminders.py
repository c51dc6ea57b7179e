"""Review assignments on the programme's ladder: reminders to the expert, then the coordinator.

The flow's one step, `remind_reviews`, is the job's plain steps (`schedules.review_job`), which the CLI's
simulation and the year's play run too; here it runs as a task.
"""

from datetime import date, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel
from sqlmodel import Session

from flows.database import flow_engine
from flows.run_labels import DayRequest, current_flow_run_id, day_run_name
from models.database import session_scope
from schedules.review_job import sweep_and_record_reviews


class ReviewReminderRequest(DayRequest):
    """The day whose due review rungs are claimed."""


class ReviewReminderReport(BaseModel):
    as_of: date
    claimed: dict[str, int]  # rung -> newly claimed assignments
    notices: int = 0


def remind_reviews(
    session: Session, *, as_of: date, now: datetime, flow_run_id: str | None = None
) -> ReviewReminderReport:
    """The job's steps (`sweep_and_record_reviews`) as the flow reports them; the caller commits."""
    result = sweep_and_record_reviews(session, as_of=as_of, now=now, flow_run_id=flow_run_id)
    return ReviewReminderReport(as_of=as_of, claimed=dict(result.claimed), notices=result.notices)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def claim_review_rungs(as_of: date, now: datetime) -> ReviewReminderReport:
    with session_scope(flow_engine()) as session:
        return remind_reviews(session, as_of=as_of, now=now, flow_run_id=current_flow_run_id())


@flow(name="review-reminders", flow_run_name=day_run_name("review-reminders"))
def review_reminders(request: ReviewReminderRequest) -> ReviewReminderReport:
    as_of, now = request.moment()
    report = claim_review_rungs(as_of, now)
    get_run_logger().info("评审催办 %s：%s，通知 %d 条", as_of, report.claimed, report.notices)
    return report
