"""Review assignments on the programme's ladder: reminders to the expert, then the coordinator."""

from datetime import date, datetime

from prefect import flow, get_run_logger, task
from pydantic import BaseModel

from flows.database import flow_engine
from models.database import session_scope
from schedules.calendar import shanghai_date
from schedules.heartbeat import REVIEWS, record_sweep
from schedules.review_sweep import sweep_reviews
from service.clock import system_clock


class ReviewReminderRequest(BaseModel):
    as_of: date | None = None
    now: datetime | None = None


class ReviewReminderReport(BaseModel):
    as_of: date
    claimed: dict[str, int]  # rung -> newly claimed assignments


@task(retries=2, retry_delay_seconds=2)
def claim_review_rungs(as_of: date, now: datetime) -> dict[str, int]:
    with session_scope(flow_engine()) as session:
        claimed = dict(sweep_reviews(session, as_of=as_of, now=now))
        record_sweep(session, kind=REVIEWS, as_of=as_of, ran_at=now, due=0, claimed=sum(claimed.values()), notices=0)
        return claimed


@flow(name="review-reminders", flow_run_name="review-reminders-{request.as_of}")
def review_reminders(request: ReviewReminderRequest) -> ReviewReminderReport:
    now = request.now or system_clock()
    as_of = request.as_of or shanghai_date(now)
    claimed = claim_review_rungs(as_of, now)
    get_run_logger().info("评审催办 %s：%s", as_of, claimed)
    return ReviewReminderReport(as_of=as_of, claimed=claimed)


def run_review_reminders(request: ReviewReminderRequest) -> ReviewReminderReport:
    """The entry point of the CLI and the scheduler."""
    return review_reminders(request)
