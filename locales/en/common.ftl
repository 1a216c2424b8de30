start-greeting = Hello, { $name }! Welcome to { $business }.
    I can book you an appointment, show your bookings and remind you about your visits.
start-greeting-unnamed = Hello! Welcome to { $business }.
    I can book you an appointment, show your bookings and remind you about your visits.
help-text =
    Here is what I can do:
    /start — the main menu
    /help — this help
    /cancel — leave what you are doing and go back to the menu
unknown-command = I don't know that command. { help-text }
error-generic = Something went wrong on our side. Please try again in a minute.
