"""Every booking refusal has a friendly text in every language."""

from __future__ import annotations

import re

import pytest

from db.services.errors import ERROR_CODES, BookingError, SlotTaken
from locales import LOCALES_DIR, SUPPORTED_LOCALES, get_translator


def message_ids(locale: str) -> set[str]:
    text = (LOCALES_DIR / locale / "errors.ftl").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*) =", text, flags=re.MULTILINE))


def test_codes_are_unique():
    assert len(set(ERROR_CODES)) == len(ERROR_CODES)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_language_has_a_text_for_each_code(locale):
    expected = {"booking-error-generic"} | {f"booking-error-{code}" for code in ERROR_CODES}
    assert message_ids(locale) == expected


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("code", ERROR_CODES)
def test_each_refusal_is_translated(locale, code):
    key = f"booking-error-{code}"
    text = get_translator(locale)(key)
    assert text != key
    assert "{" not in text


def test_error_names_its_message_key():
    error = SlotTaken()
    assert isinstance(error, BookingError)
    assert error.i18n_key == "booking-error-slot-taken"
    assert get_translator("ru")(error.i18n_key).startswith("Извините")
