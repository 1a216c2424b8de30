# Refusals of the booking service: booking-error-<code> (see db/services/errors.py).
booking-error-generic = Sorry, that did not work. Please try again.
booking-error-slot-taken = Sorry, this time has just been taken. Please pick another one.
booking-error-outside-hours = We are not working at that time. Please pick a time from the list.
booking-error-too-soon = This time is too soon to book. Please pick a later one.
booking-error-too-far = We do not take bookings that far ahead yet. Please pick an earlier day.
booking-error-in-past = This time has already passed. Please pick a time ahead.
booking-error-past-deadline = It is too late to change this booking online. Please call us instead.
booking-error-not-yours = This booking is not yours, so you cannot change it.
booking-error-not-found = This booking no longer exists. Please open your bookings again.
booking-error-service-off = This service is not available right now. Please choose another one.
booking-error-staff-off = This specialist is not available for this service. Please choose another one.
booking-error-move-service-off = This service is no longer offered, so this booking cannot be moved online. Please call us to arrange another time.
booking-error-move-staff-off = This specialist no longer takes these bookings, so this booking cannot be moved online. Please call us to arrange another time.
booking-error-too-many = You already have as many upcoming bookings as we allow. Cancel one to book a new one.
booking-error-not-active = This booking is already cancelled or finished, so it cannot be changed.
booking-error-not-allowed = You cannot do this.
booking-error-not-started = The visit has not started yet. You can mark it after it begins.
