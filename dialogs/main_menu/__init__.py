"""The main menu dialog."""

from dialogs.main_menu.dialogs import main_menu_dialog
from dialogs.main_menu.handlers import fresh_screen, open_main_menu

__all__ = ["fresh_screen", "main_menu_dialog", "open_main_menu"]
