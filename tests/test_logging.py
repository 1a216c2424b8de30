"""The bot token never reaches the log, wherever it hides in a record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.logging_setup import MASK, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
URL = f"https://api.telegram.org/bot{TOKEN}/sendMessage"


@dataclass
class ProcessLog:
    logger: logging.Logger
    stream: io.StringIO

    def text(self) -> str:
        text = self.stream.getvalue()
        assert text, "nothing was logged"
        return text


@pytest.fixture
def log() -> Iterator[ProcessLog]:
    """The process's logging as `run.py` sets it up, its handler writing to a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging("DEBUG")
    stream = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield ProcessLog(logging.getLogger("zapis.test"), stream)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_token_in_the_message_is_masked(log: ProcessLog) -> None:
    log.logger.error(f"request to {URL} failed")
    text = log.text()
    assert TOKEN not in text
    assert MASK in text


def test_token_in_the_arguments_is_masked(log: ProcessLog) -> None:
    log.logger.warning("request to %s failed after %d attempts", URL, 3)
    log.logger.info("settings: %r", {"token": TOKEN})
    text = log.text()
    assert TOKEN not in text
    assert text.count(MASK) == 2


def test_token_in_an_exception_traceback_is_masked(log: ProcessLog) -> None:
    def call_api() -> None:
        try:
            raise ConnectionError(f"Cannot connect to {URL}")
        except ConnectionError as error:
            raise RuntimeError(f"Bot API call {URL} failed") from error

    try:
        call_api()
    except RuntimeError:
        log.logger.exception("update failed")
    text = log.text()
    assert "Traceback" in text
    assert "ConnectionError" in text  # the chained cause is there, masked too
    assert TOKEN not in text


def test_the_token_alone_is_masked_but_ordinary_numbers_are_not(log: ProcessLog) -> None:
    log.logger.info("token %s; booking 12345 at 10:30", TOKEN)
    text = log.text()
    assert TOKEN not in text
    assert "booking 12345 at 10:30" in text
