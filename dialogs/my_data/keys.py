"""Dialog-data keys of "My data"."""

CANCELLED = "cancelled"  # how many upcoming bookings the erasure cancelled
