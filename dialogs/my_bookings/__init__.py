"""My bookings, and `start_reschedule` for anyone who offers "move this visit"."""

from dialogs.my_bookings.dialogs import my_bookings_dialog
from dialogs.my_bookings.handlers import start_reschedule

__all__ = ["my_bookings_dialog", "start_reschedule"]
