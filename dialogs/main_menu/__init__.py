"""The main menu dialog."""

from dialogs.main_menu.dialogs import main_menu_dialog
from dialogs.main_menu.handlers import fresh_message, open_main_menu

__all__ = ["fresh_message", "main_menu_dialog", "open_main_menu"]
