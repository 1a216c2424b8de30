"""Dialog-data keys of the booking dialog (also the keys of its start data).

Values are plain JSON: ids, ISO dates and instants, never ORM objects.
"""

SERVICE_ID = "service_id"
STAFF_ID = "staff_id"  # None means "any available"
STAFF_CHOSEN = "staff_chosen"  # True once the client picked someone or "any"
MONTH = "month"  # ISO date of the first day of the month shown
DAY = "day"  # ISO local date
STARTS_AT = "starts_at"  # ISO UTC instant
COMMENT = "comment"
RESCHEDULE_ID = "reschedule_id"  # set when moving an existing booking
BOOKING_ID = "booking_id"  # the booking made or moved, for the done screen
