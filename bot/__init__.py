"""Telegram side of Zapis: settings, the dispatcher factory, middlewares and plain handlers."""
