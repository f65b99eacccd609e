"""A meeting as an iCalendar event (RFC 5545): one UID for its whole life, so a calendar
moves it when it is postponed and marks it cancelled; and as an iTIP invitation (RFC 5546)
to one attendee. The calendar feed and the emailed invitations share it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from ecabinet.models import Meeting, MeetingStatus
from ecabinet.models.base import utcnow

S = MeetingStatus
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# A meeting without an end is shown this long.
DEFAULT_LENGTH = timedelta(hours=2)
PRODID = "-//eCabinet//Phong hop khong giay//VI"


def meeting_event(meeting: Meeting, host: str) -> Event:
    """The meeting as one calendar event, for the feed and for emailed invitations alike."""
    event = Event()
    # One UID per meeting for its whole life: a postponement or a cancellation updates the
    # event the calendar already holds instead of adding another.
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", utcnow())
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.revision)
    event.add("dtstart", meeting.starts_at.astimezone(ZONE))
    event.add("dtend", (meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH).astimezone(ZONE))
    cancelled = meeting.status == S.cancelled
    event.add("summary", f"[Đã hủy] {meeting.title}" if cancelled else meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    notes = [meeting.description] if meeting.description else []
    if meeting.change_reason and (cancelled or meeting.postponed_from):
        notes.append(("Lý do hủy: " if cancelled else "Lý do hoãn: ") + meeting.change_reason)
    if notes:
        event.add("description", "\n\n".join(notes))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def invitation(meeting: Meeting, host: str, organizer: str, attendee: tuple[str, str]
               ) -> tuple[bytes, str]:
    """The meeting as an iTIP message to one attendee (name, address), and its METHOD:
    REQUEST, whose higher SEQUENCE replaces what a calendar holds, or CANCEL."""
    method = "CANCEL" if meeting.status == S.cancelled else "REQUEST"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = meeting_event(meeting, host)
    sender = vCalAddress(f"mailto:{organizer}")
    sender.params["cn"] = vText("eCabinet")
    event.add("organizer", sender)
    name, address = attendee
    guest = vCalAddress(f"mailto:{address}")
    guest.params.update({"cn": vText(name), "role": vText("REQ-PARTICIPANT"),
                         "rsvp": vText("FALSE")})
    event.add("attendee", guest)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical(), method
