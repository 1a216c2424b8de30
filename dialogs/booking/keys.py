"""Dialog-data keys of the booking dialog (also the keys of its start data).

Values are plain JSON: ids, ISO dates and instants, never ORM objects.
"""

SERVICE_ID = "service_id"
STAFF_ID = "staff_id"  # None means "any available"
PRESET_STAFF_ID = "preset_staff_id"  # from a staff deep link: only their services are listed
MONTH = "month"  # ISO date of the first day of the month shown
DAY = "day"  # ISO local date
STARTS_AT = "starts_at"  # ISO UTC instant
COMMENT = "comment"
RESCHEDULE_ID = "reschedule_id"  # set when moving an existing booking
MOVING_FROM = "moving_from"  # ISO UTC instant: where that booking starts (read on confirm)
BOOKING_ID = "booking_id"  # the booking made or moved, for the done screen
REQUEST_KEY = "request_key"  # this dialog's name for its booking request (create_booking)
