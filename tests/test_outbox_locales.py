"""Every string the outbox and its buttons use exists in Russian and English."""

from __future__ import annotations

import re

import pytest

from db.services.feedback import COMMENT_MAX_LENGTH, CommentTooLong, FeedbackError
from locales import LOCALES_DIR, get_translator

KEY = re.compile(r"^([a-z][a-z0-9-]*)\s*=", re.MULTILINE)


def keys(locale: str) -> set[str]:
    return set(KEY.findall((LOCALES_DIR / locale / "notifications.ftl").read_text("utf-8")))


def test_both_languages_have_the_same_keys():
    assert keys("ru") == keys("en")


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_feedback_refusal_has_a_text(locale):
    i18n = get_translator(locale)
    for error in [FeedbackError, *FeedbackError.__subclasses__()]:
        key = error().i18n_key
        assert i18n(key) != key


def test_a_too_long_comment_refusal_names_the_most_taken():
    """A comment of exactly COMMENT_MAX_LENGTH characters is taken; only a longer one
    is refused, so the limit is "at most", not "under"."""
    key = CommentTooLong().i18n_key
    assert f"at most {COMMENT_MAX_LENGTH} characters" in get_translator("en")(key)
    assert f"в {COMMENT_MAX_LENGTH} символов" in get_translator("ru")(key)


@pytest.mark.parametrize(("count", "word"), [(1, "запись"), (3, "записи"), (5, "записей")])
def test_russian_digest_title_uses_plural_forms(count, word):
    title = get_translator("ru")("notify-digest-title", day="вторник, 24 ноября", count=count)
    assert title.endswith(f"{count} {word}")
