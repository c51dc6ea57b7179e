"""The calendar invitation (.ics) that carries an expert's review due date into their calendar."""

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from models.notices import MESSAGE_ID_DOMAIN

# Templates whose mail carries the assignment's invitation; an extension re-sends it with a higher SEQUENCE.
INVITATION_TEMPLATES = frozenset({"review_assigned", "review_extended"})


def invitation_uid(assignment_id: int) -> str:
    """One UID per assignment, so that calendars replace the event when the due date moves."""
    return f"review-assignment-{assignment_id}@{MESSAGE_ID_DOMAIN}"


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
    event = Event()
    event.add("uid", invitation_uid(assignment_id))
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    event.add("dtstart", due_date)
    event.add("dtend", due_date + timedelta(days=1))
    event.add("summary", f"评审截止：{project_title}")
    event.add("description", f"请在 {due_date.isoformat()} 前完成“{project_title}”的评审评分：{url}")
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    event.add("organizer", _address(*organizer))
    event.add("attendee", _address(*attendee, attendee=True))
    calendar = Calendar()
    calendar.add("prodid", "-//sanshe//review-assignments//ZH-CN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def _address(name: str, address: str, *, attendee: bool = False) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    value.params["cn"] = vText(name)
    if attendee:
        value.params["role"] = vText("REQ-PARTICIPANT")
        value.params["partstat"] = vText("NEEDS-ACTION")
    return value
