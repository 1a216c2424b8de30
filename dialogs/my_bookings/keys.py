"""Dialog-data keys of "My bookings"."""

BOOKING_ID = "booking_id"  # the booking whose details are open
