"""Booking a visit, and moving one (the same day and time windows)."""

from dialogs.booking.dialogs import booking_dialog

__all__ = ["booking_dialog"]
