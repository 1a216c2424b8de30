"""My bookings; `start_reschedule` for anyone who offers "move this visit", and
`show_booking` for a move that could not be made."""

from dialogs.my_bookings.dialogs import my_bookings_dialog
from dialogs.my_bookings.handlers import show_booking, start_reschedule

__all__ = ["my_bookings_dialog", "show_booking", "start_reschedule"]
