"""The translations are complete, well-formed, Russian plurals really decline, and
a translator's kept texts are the ones Fluent gives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fluent.runtime import (
    FluentBundle,
    FluentLocalization,
    FluentResource,
    FluentResourceLoader,
)
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from locales import (
    FALLBACK_LOCALE,
    LOCALES_DIR,
    SUPPORTED_LOCALES,
    get_translator,
    message_variables,
    resource_names,
)

FTL_FILES = sorted(LOCALES_DIR.glob("*/*.ftl"))
# Counts that land in each Russian plural category: 1 день, 2 дня, 5 дней.
RUSSIAN_PLURALS = {"one": (1, 21, 101), "few": (2, 3, 22, 104), "many": (5, 11, 12, 25, 111)}


def parse(path: Path) -> ast.Resource:
    return FluentParser().parse(path.read_text(encoding="utf-8"))


def entries(locale: str) -> Iterator[tuple[str, ast.Message | ast.Term]]:
    for path in sorted((LOCALES_DIR / locale).glob("*.ftl")):
        for entry in parse(path).body:
            if isinstance(entry, ast.Message | ast.Term):
                yield path.name, entry


def keys(locale: str) -> dict[str, str]:
    """`key` (terms as `-key`, attributes as `key.attr`) → the file that defines it."""
    found: dict[str, str] = {}
    for file_name, entry in entries(locale):
        prefix = "-" if isinstance(entry, ast.Term) else ""
        names = [entry.id.name] + [f"{entry.id.name}.{a.id.name}" for a in entry.attributes]
        for name in names:
            found[prefix + name] = file_name
    return found


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.plural_selectors: list[tuple[str, set[str]]] = []

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:
        variants = {v.key.name for v in node.variants if isinstance(v.key, ast.Identifier)}
        if isinstance(node.selector, ast.VariableReference) and variants & set(RUSSIAN_PLURALS):
            self.plural_selectors.append((node.selector.id.name, variants))
        self.generic_visit(node)


@pytest.mark.parametrize("path", FTL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_parses_cleanly(path: Path) -> None:
    junk = [entry for entry in parse(path).body if isinstance(entry, ast.Junk)]
    assert not junk, "\n".join(f"{path}: {a.message}" for j in junk for a in j.annotations)


def test_every_key_exists_in_every_language() -> None:
    per_locale = {locale: keys(locale) for locale in SUPPORTED_LOCALES}
    problems = [
        f"{key!r} ({file_name}) is in {locale} only"
        for locale, found in per_locale.items()
        for key, file_name in sorted(found.items())
        if any(key not in other for other in per_locale.values())
    ]
    assert not problems, "\n".join(problems)


def test_languages_have_the_same_files() -> None:
    names = {
        locale: {p.name for p in (LOCALES_DIR / locale).glob("*.ftl")}
        for locale in SUPPORTED_LOCALES
    }
    assert names["ru"] == names["en"]


def _russian_plurals() -> Iterator[tuple[str, ast.Message, str, set[str], set[str]]]:
    for file_name, entry in entries("ru"):
        if isinstance(entry, ast.Message) and entry.value is not None:
            variables = _Variables()
            variables.visit(entry)
            for selector, variants in variables.plural_selectors:
                yield file_name, entry, selector, variants, variables.names


def test_russian_plurals_have_one_few_and_many() -> None:
    found = list(_russian_plurals())
    assert found, "no Russian plural selectors found: the test would prove nothing"
    missing = [
        f"{file_name}: {entry.id.name} selects on ${selector} "
        f"without {sorted(set(RUSSIAN_PLURALS) - variants)}"
        for file_name, entry, selector, variants, _names in found
        if not set(RUSSIAN_PLURALS) <= variants
    ]
    assert not missing, "\n".join(missing)


def test_russian_plurals_render_a_different_form_per_category() -> None:
    bundle = FluentBundle(["ru"], use_isolating=False)
    for path in sorted((LOCALES_DIR / "ru").glob("*.ftl")):
        bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
    for _file_name, entry, selector, _variants, names in _russian_plurals():
        message = bundle.get_message(entry.id.name)
        forms: dict[str, set[str]] = {}
        for category, counts in RUSSIAN_PLURALS.items():
            for count in counts:
                args = {name: "x" for name in names} | {selector: count}
                text, errors = bundle.format_pattern(message.value, args)
                assert not errors, f"{entry.id.name} with {selector}={count}: {errors}"
                forms.setdefault(category, set()).add(re.sub(rf"\b{count}\b", "N", text))
        for category, texts in forms.items():
            assert len(texts) == 1, f"{entry.id.name}: {category} renders differently: {texts}"
        rendered = [next(iter(texts)) for texts in forms.values()]
        assert len(set(rendered)) == len(rendered), f"{entry.id.name}: forms coincide: {rendered}"


class _ZeroSelectors(Visitor):
    """The variables a message selects on with a `[0]` variant."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_SelectExpression(self, node: ast.SelectExpression) -> None:
        if isinstance(node.selector, ast.VariableReference) and any(
            isinstance(v.key, ast.NumberLiteral) and v.key.value == "0" for v in node.variants
        ):
            self.names.add(node.selector.id.name)
        self.generic_visit(node)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_nothing_to_choose_from_asks_for_no_choice(locale: str) -> None:
    """A text counting what is listed below it ends by inviting a choice ("3 free
    slots. Choose a time:"); with nothing listed it must not ("no free slots
    left. Choose a time:")."""
    translator = get_translator(locale)
    variables = message_variables()
    checked = []
    for _file_name, entry in entries(locale):
        zero = _ZeroSelectors()
        zero.visit(entry)
        for selector in zero.names:
            args = {name: "x" for name in variables[entry.id.name]} | {selector: 0}
            text = translator(entry.id.name, **args)
            assert not text.rstrip().endswith(":"), f"{entry.id.name} with ${selector}=0: {text!r}"
            checked.append(entry.id.name)
    assert {"booking-pick-time", "my-bookings-upcoming"} <= set(checked)


def test_russian_texts_call_a_staff_member_master() -> None:
    """«мастер» everywhere: a lone «специалист» reads as if it were someone else."""
    found = [
        f"{path.name}: {line}"
        for path in sorted((LOCALES_DIR / "ru").glob("*.ftl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if "специалист" in line.lower() and not line.startswith("#")
    ]
    assert not found, "\n".join(found)


def fresh_fluent(locale: str) -> FluentLocalization:
    """Fluent as `get_translator` sets it up, keeping nothing."""
    fallbacks = [locale] if locale == FALLBACK_LOCALE else [locale, FALLBACK_LOCALE]
    loader = FluentResourceLoader(str(LOCALES_DIR / "{locale}"))
    return FluentLocalization(fallbacks, resource_names(locale), loader, use_isolating=False)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_kept_text_is_the_one_fluent_gives(locale: str) -> None:
    """Every message, twice with every value changed (a variable the translator
    missed, here or in a message referred to, would bring back the first text),
    and with numbers of other types that compare equal: they read the same."""
    translator = get_translator(locale)
    fluent = fresh_fluent(locale)
    variables = message_variables()
    assert variables["booking-service-item"] == ("duration", "name", "price")
    runs = [
        {"text": "Anna", "count": 1, "unused": "a"},
        {"text": "Boris", "count": 5, "unused": "b"},
        {"text": "Boris", "count": 5.0, "unused": "b"},
        {"text": "Boris", "count": Decimal("5.50"), "unused": "b"},
    ]
    for key, names in variables.items():
        for run in runs:
            args = {name: run["count"] if "count" in name else run["text"] for name in names}
            expected = fluent.format_value(key, args).replace("\u2068", "").replace("\u2069", "")
            assert translator(key, **args, unused=run["unused"]) == expected, (key, args)
