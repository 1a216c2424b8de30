"""My data: the privacy view and erasure."""

from dialogs.my_data.dialogs import my_data_dialog

__all__ = ["my_data_dialog"]
