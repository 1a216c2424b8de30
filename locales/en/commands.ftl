command-start = Main menu
command-help = What this bot can do
command-cancel = Leave the current step
