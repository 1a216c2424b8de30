"""About and contacts."""

from dialogs.about.dialogs import about_dialog

__all__ = ["about_dialog"]
