"""The calendar invitation (.ics) that carries an expert's review due date into their calendar, and their feed."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from models.notices import MESSAGE_ID_DOMAIN

# Templates whose mail carries the assignment's invitation; an extension re-sends it with a higher SEQUENCE.
INVITATION_TEMPLATES = frozenset({"review_assigned", "review_extended"})


def invitation_uid(assignment_id: int) -> str:
    """One UID per assignment, so that calendars replace the event when the due date moves."""
    return f"review-assignment-{assignment_id}@{MESSAGE_ID_DOMAIN}"


@dataclass(frozen=True)
class ReviewDate:
    """One assignment's due date as a calendar shows it."""

    assignment_id: int
    project_title: str
    due_date: date
    sequence: int
    url: str


def review_invitation(
    *,
    assignment_id: int,
    project_title: str,
    due_date: date,
    sequence: int,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
    url: str,
    now: datetime,
) -> str:
    """An all-day event on the due date (METHOD:REQUEST); `organizer` and `attendee` are (name, address)."""
    review = ReviewDate(assignment_id, project_title, due_date, sequence, url)
    event = _event(review, now=now)
    event.add("organizer", _address(*organizer))
    event.add("attendee", _address(*attendee, attendee=True))
    return _calendar([event], method="REQUEST", prodid="-//sanshe//review-assignments//ZH-CN")


def review_feed(reviews: list[ReviewDate], *, name: str, now: datetime) -> str:
    """A subscribed calendar (METHOD:PUBLISH): each open assignment under the UID its invitation carries."""
    events = [_event(review, now=now) for review in reviews]
    return _calendar(events, method="PUBLISH", prodid="-//sanshe//review-feed//ZH-CN", name=name)


def _event(review: ReviewDate, *, now: datetime) -> Event:
    event = Event()
    event.add("uid", invitation_uid(review.assignment_id))
    event.add("sequence", review.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", review.due_date)
    event.add("dtend", review.due_date + timedelta(days=1))
    event.add("summary", f"评审截止：{review.project_title}")
    due = review.due_date.isoformat()
    event.add("description", f"请在 {due} 前完成“{review.project_title}”的评审评分：{review.url}")
    event.add("url", review.url)
    event.add("transp", "TRANSPARENT")
    return event


def _calendar(events: list[Event], *, method: str, prodid: str, name: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", name)  # the name a subscribing client shows
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def _address(name: str, address: str, *, attendee: bool = False) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    value.params["cn"] = vText(name)
    if attendee:
        value.params["role"] = vText("REQ-PARTICIPANT")
        value.params["partstat"] = vText("NEEDS-ACTION")
    return value
