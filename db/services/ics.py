"""An iCalendar (.ics) file for one booking, to add the visit to a calendar app."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from db.services.booking import BookingView
from db.services.snapshot import BusinessView

PRODUCT_ID = "-//Zapis//Booking bot//EN"


def booking_ics(view: BookingView, business: BusinessView, *, summary: str, now: datetime) -> bytes:
    """The visit as a one-event calendar, in UTC so every calendar app agrees.

    `summary` is the event title in the client's language (the caller translates);
    the UID is stable per booking, so importing a moved booking updates the event.
    """
    event = Event()
    event.add("uid", f"booking-{view.id}@zapis")
    event.add("dtstamp", now)
    event.add("dtstart", view.starts_at)
    event.add("dtend", view.ends_at)
    event.add("summary", summary)
    description = [view.service_name, view.staff_name]
    if business.phone:
        description.append(business.phone)
    event.add("description", "\n".join(description))
    if business.address:
        event.add("location", business.address)
    if business.latitude is not None and business.longitude is not None:
        event.add("geo", (business.latitude, business.longitude))
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
