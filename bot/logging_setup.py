"""One log format for the process, and a filter that keeps the bot token out of it.

aiohttp and aiogram put request URLs into exception texts, and every Bot API URL
carries the token, so the filter masks anything shaped like a token in the
message, its arguments and the formatted traceback.
"""

from __future__ import annotations

import logging
import re

TOKEN_IN_TEXT = re.compile(r"\d{5,16}:[A-Za-z0-9_-]{30,50}")
MASK = "<bot-token>"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def mask_tokens(text: str) -> str:
    return TOKEN_IN_TEXT.sub(MASK, text)


class TokenMaskingFormatter(logging.Formatter):
    """Masks tokens in the whole formatted record, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_tokens(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(TokenMaskingFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs every handled update at INFO; keep that for DEBUG runs.
    logging.getLogger("aiogram.event").setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.WARNING))
