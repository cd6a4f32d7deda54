"""Numbers the texts state agree with the rules: `python -m rules verify` refuses any other.

Every text of every language is read as written in the file (a number put in by a threshold
placeholder is right by construction), and:
- in a rule's own texts (`explain`, `sign`), every number is one the rule reads: a constant of
  its condition (for a temperature, also its °F equivalent), the least or greatest answer of a
  question it reads, or a number in the text of a question or choice it reads ("10 minutes of
  firm pressure" from the bleeding choice); a temperature must be the rule's own threshold;
- anywhere, a temperature (a number followed by °C or °F) is some rule's temperature
  threshold, or its °F equivalent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from rules.answers import to_fahrenheit
from rules.model import TEMPERATURE, Protocol, Rule
from rules.placeholders import PLACEHOLDER, decimal_mark
from rules.space import atoms_of
from rules.texts import TextKey, own_texts

NAME = "stated numbers"
UNITS = ("C", "F")


@dataclass
class Stated:
    """What the check read, and each number stated against the rules."""

    texts: int = 0
    numbers: int = 0
    problems: list[str] = field(default_factory=list)


def _pattern(language: str) -> re.Pattern[str]:
    """A number as the language writes it, with the temperature unit that may follow."""
    mark = re.escape(decimal_mark(language))
    return re.compile(rf"(?<![\w.,])(\d+(?:{mark}\d+)?)(?!\w)(?:\s?°\s?([CF])\b)?")


def literals(text: str, language: str) -> list[tuple[str, Decimal, str]]:
    """(as written, value, unit or "") for each number a text states in its own words."""
    written = PLACEHOLDER.sub(" ", text)
    mark = decimal_mark(language)
    return [
        (match[0], Decimal(match[1].replace(mark, ".")), match[2] or "")
        for match in _pattern(language).finditer(written)
    ]


def _degrees(celsius: float) -> dict[str, Decimal]:
    """A temperature threshold in each unit."""
    return {"C": Decimal(repr(celsius)), "F": Decimal(repr(to_fahrenheit(celsius)))}


def _shown(celsius: float) -> str:
    """A temperature threshold in both units, for a message."""
    return f"{celsius:.1f} °C ({to_fahrenheit(celsius):.1f} °F)"


class Checker:
    """The numbers each rule reads, and the temperatures any rule compares with."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.languages = self._languages()
        self.temperatures = {rule.id: self._temperatures(rule) for rule in protocol.rules}
        self.grounded = {rule.id: self._grounded(rule) for rule in protocol.rules}

    def _temperatures(self, rule: Rule) -> list[float]:
        """The temperature thresholds a rule's condition compares with."""
        found: list[float] = []
        for atom in atoms_of(rule.when):
            question = self.protocol.by_id.get(atom.name)
            if question is not None and question.type == TEMPERATURE and atom.value is not None:
                found.append(float(atom.value))
        return found

    def _grounded(self, rule: Rule) -> set[Decimal]:
        """Every number a rule's texts may state without a unit."""
        numbers: set[Decimal] = set()
        for atom in atoms_of(rule.when):
            value = atom.value
            if isinstance(value, int | float) and not isinstance(value, bool):
                numbers.add(Decimal(repr(value)))
        for celsius in self.temperatures[rule.id]:
            numbers.update(_degrees(celsius).values())
        choices = {(a.name, a.value) for a in atoms_of(rule.when) if isinstance(a.value, str)}
        for name in rule.when.names:
            question = self.protocol.by_id.get(name)
            if question is None:
                continue
            for limit in (question.minimum, question.maximum):
                if limit is not None:
                    numbers.add(Decimal(repr(limit)))
            keys = [("question", name, "text")] + [
                ("question", name, f"choices.{c.id}")
                for c in question.choices
                if (name, c.id) in choices
            ]
            for language, texts in self.languages:
                for key in keys:
                    numbers.update(v for _, v, _ in literals(texts.get(key, ""), language))
        return numbers

    def _languages(self) -> list[tuple[str, dict[TextKey, str]]]:
        """Each language with its texts as written (placeholders not yet expanded)."""
        protocol = self.protocol
        out = [(protocol.language, own_texts(protocol))]
        out += [(lang, dict(protocol.translations.get(lang, {}))) for lang in protocol.translated]
        for language, texts in out:
            texts.update(protocol.templates.get(language, {}))
        return out

    def _rule_number(self, rule: Rule, where: str, literal: tuple[str, Decimal, str]) -> str:
        """The problem with one number a rule's own text states, or ""."""
        written, value, unit = literal
        own = self.temperatures[rule.id]
        if not unit:
            if value in self.grounded[rule.id]:
                return ""
            return (
                f"{where} says {written}, a number rule {rule.id} does not read "
                f"(`{rule.when.text}`)"
            )
        if any(_degrees(c)[unit] == value for c in own):
            return ""
        if not own:
            reads = f"rule {rule.id} reads no temperature (`{rule.when.text}`)"
            return f"{where} says {written}, but {reads}"
        thresholds = " and ".join(_shown(c) for c in own)
        return (
            f"{where} says {written}, but rule {rule.id} compares the temperature with "
            f"{thresholds}: `{rule.when.text}`"
        )

    def _any_number(self, where: str, literal: tuple[str, Decimal, str]) -> str:
        """The problem with a temperature stated outside a rule's own texts, or ""."""
        written, value, unit = literal
        if not unit or any(
            _degrees(c)[unit] == value for found in self.temperatures.values() for c in found
        ):
            return ""
        rules = [
            f"rule {rule.id} compares the temperature with "
            f"{' and '.join(_shown(c) for c in found)}: `{rule.when.text}`"
            for rule in self.protocol.rules
            if (found := self.temperatures[rule.id])
        ]
        if not rules:
            return f"{where} says {written}, but no rule reads a temperature"
        return f"{where} says {written}, which is no rule's temperature threshold: " + "; ".join(
            rules
        )

    def run(self) -> Stated:
        """Every number of every text, checked."""
        result = Stated()
        rules = {rule.id: rule for rule in self.protocol.rules}
        for language, texts in self.languages:
            for (kind, item_id, name), text in texts.items():
                result.texts += 1
                where = f"{kind} {item_id}: field '{name}' ({language})"
                for literal in literals(text, language):
                    result.numbers += 1
                    rule = rules.get(item_id) if kind == "rule" else None
                    problem = (
                        self._rule_number(rule, where, literal)
                        if rule is not None
                        else self._any_number(where, literal)
                    )
                    if problem:
                        result.problems.append(problem)
        return result


def check(protocol: Protocol) -> Stated:
    """Every number stated in the protocol's texts, checked against the rules."""
    return Checker(protocol).run()
