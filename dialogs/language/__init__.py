"""Language choice."""

from dialogs.language.dialogs import language_dialog

__all__ = ["language_dialog"]
