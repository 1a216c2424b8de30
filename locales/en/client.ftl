# The client's chat: main menu, booking, my bookings, about, language, my data.

menu-book = 📅 Book
menu-my-bookings = 🗂 My bookings
menu-about = ℹ️ About and contacts
menu-language = 🌐 Language
menu-my-data = 🔒 My data
button-back = ‹ Back
button-menu = ☰ Menu
stale-button = That button is out of date. Here is the menu.
cancelled-to-menu = Cancelled. Here is the menu.
hint-use-buttons = Please use the buttons below.
hint-type-phone = Please share your number with the button below, or type it.
hint-type-name = Please type your name.
hint-type-comment = Please type your comment, or use the buttons below.

duration = { $hours ->
    [0] { $minutes } min
   *[other] { $minutes ->
        [0] { $hours } h
       *[other] { $hours } h { $minutes } min
    }
}
line-address = 📍 { $value }
line-phone = 📞 { $value }
line-email = ✉️ { $value }
line-website = 🌐 { $value }
line-name = 👤 { $value }
line-comment = 💬 { $value }
line-changes-until = ✏️ You can cancel or move it here until { $value }.
line-changes-late = { $value ->
    [none] ☎️ It is too late to change it here; please contact us.
   *[other] ☎️ It is too late to change it here; please call us: { $value }
}

booking-pick-service = Choose a service:
booking-pick-service-of = { $staff_name } offers these services. Choose one:
booking-no-services = Sorry, there is nothing to book right now. Please come back later.
booking-service-item = { $name } · { $duration } · { $price }
booking-service-gone = Sorry, this service or specialist is no longer available. Please choose again.
booking-service-idle = Sorry, “{ $name }” can't be booked right now.
booking-pick-staff = { $service } ({ $duration }). Who would you like to see?
booking-any-staff = Any available
booking-any-staff-name = any available specialist
booking-staff-off = specialist no longer available
booking-staff-gone = Sorry, this specialist is no longer available. Please choose again.
booking-pick-day = { $service }, { $staff_name }. Choose a day:
booking-no-days = Sorry, there are no free times in the coming days. Please try another specialist or come back later.
booking-no-days-move = Sorry, there are no free times to move your booking to in the coming days. Please come back later.
booking-day-full = Sorry, that day has just filled up. Please choose another one.
booking-day-unavailable = Sorry, that day can't be booked. Please choose one of the days in the calendar.
booking-pick-time = { $service }, { $staff_name }
    { $day }: { $count ->
        [0] no free slots left. Tap Back to choose another day.
        [one] { $count } free slot. Choose a time:
       *[other] { $count } free slots. Choose a time:
    }
booking-ask-phone = How can we reach you? Tap “Share my phone number” below, or type your number.
booking-share-phone = 📱 Share my phone number
booking-ask-name = What is your name?
booking-ask-comment = Anything we should know? Type a comment, or go on without one.
booking-no-comment = Without a comment
booking-comment-too-long = Please keep the comment to { $limit } characters or fewer.
booking-comment-button = 💬 Comment
booking-phone-button = 📞 Phone
booking-confirm =
    Please check your booking:
    { $service } · { $duration }
    With: { $staff_name }
    When: { $when }
    Price: { $price }
    { $extra }
booking-confirm-move =
    Move your booking?
    { $service }, { $staff_name }
    From: { $old_when }
    To: { $when }
booking-move-already-there =
    Your booking is already at this time: { $when }.
    { $service }, { $staff_name }
    Tap Back to choose another time.
booking-confirm-button = ✅ Confirm
booking-done =
    ✅ You are booked!
    { $service }, { $staff_name }
    { $when }
    { $extra }
    The calendar file above adds the visit to your calendar. We will remind you before the visit.
booking-done-pending =
    📝 Your request is sent!
    { $service }, { $staff_name }
    { $when }
    { $extra }
    We will confirm it shortly. The calendar file above adds the visit to your calendar.
booking-moved =
    ✅ Your booking is moved.
    { $service }, { $staff_name }
    { $when }
    The calendar file above has the new time.
booking-ics-summary = Visit to { $business }
booking-ics-caption = Add this visit to your calendar.
booking-call-us = Call us: { $phone }

client-error-phone-invalid = That does not look like a phone number. Please type it with the country code, e.g. +7 916 123-45-67.
client-error-contact-not-own = Please share your own phone number with the button below, not someone else's contact.
client-error-name-invalid = Please type your name (up to 100 characters).
client-error-gone = We no longer have your data.

client-status-pending = awaiting confirmation
client-status-confirmed = confirmed
client-status-cancelled = cancelled
client-status-completed = completed
client-status-no_show = missed

my-bookings-upcoming = { $count ->
    [0] You have no upcoming bookings.
    [one] You have { $count } upcoming booking. Tap it for details:
   *[other] You have { $count } upcoming bookings. Tap one for details:
}
my-bookings-past-button = 🕘 Past visits
my-bookings-past-again = Tap a visit to book it again.
my-bookings-detail =
    { $service } · { $duration }
    With: { $staff_name }
    When: { $when }
    Price: { $price }
    Status: { $status }
    { $extra }
my-bookings-reschedule = 🔁 Reschedule
my-bookings-cancel = ✖️ Cancel booking
my-bookings-cancel-confirm = Cancel { $service } on { $when }?
my-bookings-cancel-yes = Yes, cancel it
my-bookings-cancel-no = No, keep it
my-bookings-cancelled = Your booking is cancelled.
my-bookings-past = { $count ->
    [0] You have no past visits yet.
   *[other] Your past visits:
        { $lines }
        { $again }
}

about-text =
    { $business }
    { $contacts }
    Opening hours:
    { $hours }
about-day-off = closed
about-location = 🗺 Show on the map

language-pick = Choose your language:
language-ru = Русский
language-en = English
language-changed = Done: I will speak English now.

my-data-text =
    This is what we store about you:
    Telegram ID: { $telegram_id }
    Name: { $client_name }
    Phone: { $phone }
    Language: { $language }
    With us since: { $since }
    Bookings: { $total } in total, { $upcoming } upcoming.
    You can delete your data at any time.
my-data-unknown = not set
my-data-erase = 🗑 Delete my data
my-data-erase-confirm = { $upcoming ->
    [0] Delete your name, phone and Telegram ID? This cannot be undone.
    [one] Delete your name, phone and Telegram ID? Your { $upcoming } upcoming booking will be cancelled. This cannot be undone.
   *[other] Delete your name, phone and Telegram ID? Your { $upcoming } upcoming bookings will be cancelled. This cannot be undone.
}
my-data-erase-yes = Yes, delete
my-data-erase-no = No, keep
my-data-erased = { $cancelled ->
    [0] Your data is deleted.
    [one] Your data is deleted and { $cancelled } booking is cancelled.
   *[other] Your data is deleted and { $cancelled } bookings are cancelled.
} Past visits stay in the business's records without your name.
