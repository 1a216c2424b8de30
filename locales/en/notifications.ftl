# Messages the bot sends on its own (scheduler/render.py) and their buttons.
notify-client-unnamed = (no name)
notify-client-booked =
    ✅ You are booked!
    { $service } with { $staff }
    { $when }
notify-client-pending =
    🕓 Thank you! Your request is waiting for confirmation:
    { $service } with { $staff }
    { $when }
    We will write to you as soon as it is confirmed.
notify-client-confirmed =
    ✅ Your booking is confirmed:
    { $service } with { $staff }
    { $when }
notify-client-rescheduled =
    🔁 Your booking has been moved:
    { $service } with { $staff }
    now { $when }
notify-client-cancelled =
    ❌ Your booking has been cancelled:
    { $service } with { $staff }, { $when }
notify-cancel-reason = Reason: { $reason }
notify-cancel-reason-erased = the client deleted their data
notify-staff-new =
    🆕 New booking: { $service }, { $when }
    Specialist: { $staff }
    Client: { $client }, { $phone }
notify-staff-rescheduled =
    🔁 Booking moved: { $service }, now { $when }
    Specialist: { $staff }
    Client: { $client }, { $phone }
notify-staff-cancelled =
    ❌ Booking cancelled: { $service }, { $when }
    Specialist: { $staff }
    Client: { $client }, { $phone }
notify-staff-moved-away =
    ↪️ A booking moved to another specialist and is off your agenda:
    { $service }, now { $when } with { $staff }
    Client: { $client }
notify-confirm-request =
    🕓 A new booking is waiting for your confirmation:
    { $service }, { $when }
    Specialist: { $staff }
    Client: { $client }, { $phone }
# $day is "today" or "tomorrow" (the visit's local day against the moment the
# reminder is sent), else "later"; the last line always gives the full date.
notify-reminder =
    ⏰ { $day ->
        [today] Your visit to { $business } is today at { $time }:
        [tomorrow] Your visit to { $business } is tomorrow at { $time }:
       *[later] A reminder about your visit to { $business }:
    }
    { $service } with { $staff }
    { $when }
notify-address = 📍 { $address }
notify-feedback-request =
    How was your visit? { $service } with { $staff }, { $when }.
    Please rate it from 1 (bad) to 5 (excellent).
notify-digest-title =
    📋 Tomorrow, { $day }: { $count ->
        [one] { $count } booking
       *[other] { $count } bookings
    }
notify-digest-line = { $time } — { $service }, { $client }
notify-digest-line-pending = { $time } — { $service }, { $client } (not confirmed yet)
notify-button-coming = ✅ I'll come
notify-button-cancel = ❌ Cancel
notify-button-reschedule = 🔁 Reschedule
notify-button-confirm = ✅ Confirm
notify-button-decline = ❌ Decline

# The reminder's buttons (bot/handlers/reminders.py).
reminder-coming-thanks = Thank you! See you soon.
reminder-cancel-question = Cancel this visit? Tap "Yes, cancel" to confirm.
reminder-button-cancel-yes = Yes, cancel
reminder-button-keep = No, keep it
reminder-cancelled = Your booking is cancelled. You can book again at any time with /start.
reminder-kept = Good, your booking stays as it is.

# Staff answering a booking request (bot/handlers/confirmations.py).
confirmation-confirmed = ✅ Confirmed. The client has been told.
confirmation-declined = ❌ Declined. The client has been told.

# Feedback after a visit (bot/handlers/feedback.py).
feedback-thanks = Thank you for your rating!
feedback-rated = Thank you! Your rating: { $rating } of 5.
feedback-ask-comment = Would you like to add a few words? Reply to this message with your comment.
feedback-comment-placeholder = Your comment
feedback-comment-saved = Thank you, your comment is saved!
feedback-error-generic = Sorry, that did not work. Please try again.
feedback-error-rating = Please choose a rating from 1 to 5.
feedback-error-too-long = That comment is too long. Please keep it to at most 1000 characters.
feedback-error-nothing = There is no visit to comment on yet. Rate a visit first.
feedback-error-not-text = Please send your comment as text.
