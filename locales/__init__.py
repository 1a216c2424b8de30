"""Translations with Project Fluent.

Fluent keeps Russian plural rules (`one`/`few`/`many`) and every other
language-specific choice in the `.ftl` files, where a translator can fix them
without touching code. Each language is a folder of `.ftl` files; every file in
it is loaded, so each part of the bot keeps its strings in a file of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentLocalization, FluentResourceLoader
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

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


TEXTS_KEPT = 4096
"""Formatted texts a translator keeps (a button's label, a service's line, ...)."""

_MEMO_SCALARS = (str, int, float, Decimal)


@dataclass(frozen=True)
class Translator:
    """Strings of one language. Call it: `t("booking-pick-time", count=3)`.

    A text depends only on its message and the variables the message uses, so
    the last `TEXTS_KEPT` are kept: a tap re-renders the same labels, and Fluent
    took a twentieth of an update's CPU formatting them again. Dialog texts are
    called with all of a window's data; only the variables the message uses count.
    """

    locale: str
    _bundle: FluentLocalization = field(repr=False)
    _kept: Callable[..., str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_kept", lru_cache(maxsize=TEXTS_KEPT)(self._format))

    def __call__(self, key: str, /, **args: Any) -> str:
        used = message_variables().get(key)
        if used is None:  # no such message: Fluent answers the key, and it is logged
            return self._format(key, tuple(args.items()))
        relevant = tuple((name, args[name]) for name in used if name in args)
        if all(type(value) in _MEMO_SCALARS for _, value in relevant):
            return self._kept(key, relevant)
        return self._format(key, relevant)  # a value a key cannot hold, or not plainly

    def _format(self, key: str, args: tuple[tuple[str, Any], ...]) -> str:
        text = self._bundle.format_value(key, dict(args) or None)
        if text == key:
            log.error("Missing translation %r for locale %s", key, self.locale)
        # Fluent wraps placeables in Unicode isolation marks; Telegram shows them as junk.
        return text.replace("\u2068", "").replace("\u2069", "")


@cache
def message_variables() -> dict[str, tuple[str, ...]]:
    """The variables each message can use, in any language, through the messages it
    refers to. (A term sees only the arguments it is given, which the walk finds
    in the referring message.)"""
    direct: dict[str, set[str]] = {}
    refers: dict[str, set[str]] = {}
    parser = FluentParser(with_spans=False)
    for locale in SUPPORTED_LOCALES:
        for name in resource_names(locale):
            resource = parser.parse((LOCALES_DIR / locale / name).read_text(encoding="utf-8"))
            for entry in resource.body:
                if isinstance(entry, ast.Message):
                    found = _References()
                    found.visit(entry)
                    direct.setdefault(entry.id.name, set()).update(found.variables)
                    refers.setdefault(entry.id.name, set()).update(found.messages)

    def closure(key: str, seen: set[str]) -> set[str]:
        seen.add(key)
        names = set(direct.get(key, ()))
        for other in refers.get(key, ()) - seen:
            names |= closure(other, seen)
        return names

    return {key: tuple(sorted(closure(key, set()))) for key in direct}


class _References(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: set[str] = set()
        self.messages: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.variables.add(node.id.name)

    def visit_MessageReference(self, node: ast.MessageReference) -> None:
        self.messages.add(node.id.name)
        self.generic_visit(node)


@cache
def get_translator(locale: str) -> Translator:
    locale = pick_locale(locale)
    loader = FluentResourceLoader(str(LOCALES_DIR / "{locale}"))
    fallbacks = [locale] if locale == FALLBACK_LOCALE else [locale, FALLBACK_LOCALE]
    bundle = FluentLocalization(fallbacks, resource_names(locale), loader, use_isolating=False)
    return Translator(locale, bundle)
