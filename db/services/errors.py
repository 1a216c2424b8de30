"""Typed refusals of the booking service.

Each error carries a stable `code`; the bot shows the localized text
`booking-error-<code>` (see `locales/*/errors.ftl`), so a refusal never needs
Telegram knowledge here and every refusal has a friendly answer there.
"""

from __future__ import annotations


class BookingError(Exception):
    """A booking request the business rules refuse."""

    code: str = "generic"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.code)

    @property
    def i18n_key(self) -> str:
        """The translation key of the message to show the user."""
        return f"booking-error-{self.code}"


class SlotTaken(BookingError):
    code = "slot-taken"


class OutsideWorkingHours(BookingError):
    code = "outside-hours"


class TooSoon(BookingError):
    code = "too-soon"


class TooFarAhead(BookingError):
    code = "too-far"


class InvalidStart(BookingError):
    """The requested start is already in the past."""

    code = "in-past"


class PastCancelDeadline(BookingError):
    code = "past-deadline"


class NotYours(BookingError):
    code = "not-yours"


class BookingNotFound(BookingError):
    code = "not-found"


class ServiceUnavailable(BookingError):
    """The service does not exist or is switched off."""

    code = "service-off"


class StaffUnavailable(BookingError):
    """The staff member is inactive, unknown, or does not do the service."""

    code = "staff-off"


class MoveServiceOff(BookingError):
    """A client cannot move a booking whose service is switched off: the calendar
    has nothing to offer for it, and only the business can arrange another time."""

    code = "move-service-off"


class MoveStaffOff(BookingError):
    """A client cannot move a booking whose staff member is switched off or no longer
    does its service: as with `MoveServiceOff`, only the business can."""

    code = "move-staff-off"


class TooManyUpcoming(BookingError):
    code = "too-many"


class NotActive(BookingError):
    """The booking is already cancelled, completed or a no-show."""

    code = "not-active"


class NotAllowed(BookingError):
    """The actor may not do this at all (a client marking a visit completed)."""

    code = "not-allowed"


class NotStarted(BookingError):
    """A visit cannot be marked completed or a no-show before it begins."""

    code = "not-started"


ERROR_CODES: tuple[str, ...] = tuple(cls.code for cls in BookingError.__subclasses__())
"""Every refusal code, so a test can check each has a translation."""
