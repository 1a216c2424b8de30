"""Translations with Project Fluent.

Fluent keeps Russian plural rules (`one`/`few`/`many`) and every other
language-specific choice in the `.ftl` files, where a translator can fix them
without touching code. Each language is a folder of `.ftl` files; every file in
it is loaded, so each part of the bot keeps its strings in a file of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentLocalization, FluentResourceLoader

LOCALES_DIR = Path(__file__).parent
SUPPORTED_LOCALES = ("ru", "en")
FALLBACK_LOCALE = "en"

log = logging.getLogger(__name__)


def resource_names(locale: str) -> list[str]:
    return sorted(path.name for path in (LOCALES_DIR / locale).glob("*.ftl"))


def pick_locale(*candidates: str | None, default: str = FALLBACK_LOCALE) -> str:
    """The first supported locale among candidates ('en-US' counts as 'en')."""
    for candidate in candidates:
        if candidate:
            short = candidate.split("-")[0].split("_")[0].lower()
            if short in SUPPORTED_LOCALES:
                return short
    return default


@dataclass(frozen=True)
class Translator:
    """Strings of one language. Call it: `t("booking-pick-time", count=3)`."""

    locale: str
    _bundle: FluentLocalization = field(repr=False)

    def __call__(self, key: str, /, **args: Any) -> str:
        text = self._bundle.format_value(key, args or None)
        if text == key:
            log.error("Missing translation %r for locale %s", key, self.locale)
        # Fluent wraps placeables in Unicode isolation marks; Telegram shows them as junk.
        return text.replace("\u2068", "").replace("\u2069", "")


@cache
def get_translator(locale: str) -> Translator:
    locale = pick_locale(locale)
    loader = FluentResourceLoader(str(LOCALES_DIR / "{locale}"))
    fallbacks = [locale] if locale == FALLBACK_LOCALE else [locale, FALLBACK_LOCALE]
    bundle = FluentLocalization(fallbacks, resource_names(locale), loader, use_isolating=False)
    return Translator(locale, bundle)
