"""What a daily flow run is called and tagged, from inside: a deployment starts the bare flow, no caller adds them."""

from collections.abc import Callable, Iterable
from datetime import date, datetime

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.database import flow_engine
from models.dates import shanghai_date
from service.clock import service_now_on


class DayRequest(BaseModel):
    """A run for one day; a deployment's schedule leaves both empty, to be filled when the run starts."""

    as_of: date | None = None  # None: today in Asia/Shanghai
    now: datetime | None = None  # None: the service's time (the wall clock, or the stored clock of a simulation)

    def moment(self) -> tuple[date, datetime]:
        """The day worked on and the time the notices carry, the defaults filled in from the service's clock."""
        now = self.now or service_now_on(flow_engine())
        return self.as_of or shanghai_date(now), now


def day_run_name(prefix: str) -> Callable[[], str]:
    """`<prefix>-<day>` for a flow's `flow_run_name`, the day filled in even when the request leaves it empty."""

    def name() -> str:
        as_of, _ = DayRequest.model_validate(flow_run.parameters["request"], from_attributes=True).moment()
        return f"{prefix}-{as_of}"

    return name


def current_flow_run_id() -> str | None:
    """The flow run this flow or task runs in, as its heartbeat row keeps it; None outside a run."""
    found = flow_run.get_id()
    return None if found is None else str(found)


def tag_current_flow_run(tags: Iterable[str]) -> list[str]:
    """Add `tags` to the running flow run, keeping its own (deployment's) tags; outside a run, nothing to tag."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return []
    run = context.flow_run
    merged = [*run.tags, *(tag for tag in dict.fromkeys(tags) if tag not in run.tags)]
    with get_client(sync_client=True) as client:
        client.update_flow_run(run.id, tags=merged)  # replaces the list: hence the merge above
    run.tags = merged  # the run's events carry the context's tags
    return merged
