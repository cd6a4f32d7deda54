"""The protocol in another language: its own translated texts, keyed by the same ids.

A translation changes words only: the same questions, rules, conditions, version and file
hash. `check` is what `python -m rules verify` runs: every text translated, and each
translated text equal in meaning to its original in the four ways a machine can see:

- **Placeholders**: the same multiset, such as `{emergency_number}`.
- **Numbers**: the same multiset of values, written either way: "38,0" equals "38.0", and
  "10" equals "10.0"; "39" where the original says "38" differs.
- **Units**: the same multiset of units of a quantity. A unit word (°C, °F, minutes/minutos,
  hours/horas, days/días, weeks/semanas, ...) counts when it stands after a number or a
  placeholder with at most two words between ("10 minutes", "3 or more days",
  "3 días o más"); elsewhere it is an ordinary word ("day or night", "everyday tasks", "de
  todos los días") and is not compared.
- **Negation**: negated in the original if and only if negated in the translation (English:
  not, no, never, without, any "n't" word...; Spanish: no, nunca, ni, sin, nada...). When
  both texts have as many sentences, each sentence is compared with its counterpart;
  otherwise the whole texts are. Only presence is compared, not the count: Spanish says "no
  puedo levantarme ni caminar" where English says "I can't get out of bed or walk".

A language without a vocabulary here (`VOCABULARIES`) is reported, so that a new language's
translations are never compared with no words to compare.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from rules.model import Protocol
from rules.reader import TextKey
from rules.texts import own_texts, with_texts

_PLACEHOLDER = re.compile(r"\{[^{}\s]+\}")


def source_texts(protocol: Protocol) -> dict[TextKey, str]:
    """Every text a translation must give, in the file's own language, keyed like one.

    The clinician's note wording is English only, and a free-text call-back list (1.0.0) is
    not translated: both are left out.
    """
    return {key: text for key, text in own_texts(protocol).items()
            if key[2] != "note" and key[0] != "call_back"}


def check(protocol: Protocol) -> list[str]:
    """Each missing or extra translated text, and each one that differs from its original."""
    problems = []
    wanted = source_texts(protocol)
    for language in protocol.translated:
        given = protocol.translations.get(language, {})
        vocabularies = [VOCABULARIES.get(code) for code in (protocol.language, language)]
        for code, vocabulary in zip((protocol.language, language), vocabularies, strict=True):
            if vocabulary is None:
                problems.append(f"language {code!r}: no negation or unit words to compare with")
        for (kind, item_id, name), text in wanted.items():
            where = f"{kind} {item_id}: field '{name}' ({language})"
            if (kind, item_id, name) not in given:
                problems.append(f"{where}: no translation")
                continue
            own, theirs = vocabularies
            differences = [_placeholders(text, given[kind, item_id, name])]
            if own is not None and theirs is not None:
                differences += differences_in_meaning(text, own, given[kind, item_id, name], theirs)
            problems.extend(f"{where}: {difference}" for difference in differences if difference)
        for kind, item_id, name in given.keys() - wanted.keys():
            problems.append(f"{kind} {item_id}: field '{name}' ({language}): no such text")
    return problems


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language that the meaning check reads."""

    # A word that negates the sentence it stands in, and a word ending that does ("n't").
    negations: frozenset[str]
    negating_ending: str | None
    # A unit word, lower case, and the unit it names (the same name in every language).
    units: dict[str, str]


_SHARED_UNITS = {"°c": "°C", "°f": "°F"}
VOCABULARIES: dict[str, Vocabulary] = {
    "en": Vocabulary(
        negations=frozenset(
            "not no never nothing none nobody nowhere neither nor without cannot".split()
        ),
        negating_ending="n't",
        units=_SHARED_UNITS
        | {
            f"{word}{plural}": word
            for word in ("minute", "hour", "day", "week", "month", "year")
            for plural in ("", "s")
        }
        | {"degree": "degree", "degrees": "degree"},
    ),
    "es": Vocabulary(
        negations=frozenset(
            "no nunca jamás ni sin nada nadie ningún ninguno ninguna ningunos ningunas "
            "tampoco".split()
        ),
        negating_ending=None,
        units=_SHARED_UNITS
        | {"minuto": "minute", "minutos": "minute", "hora": "hour", "horas": "hour"}
        | {"día": "day", "días": "day", "semana": "week", "semanas": "week"}
        | {"mes": "month", "meses": "month", "año": "year", "años": "year"}
        | {"grado": "degree", "grados": "degree"},
    ),
}
# A placeholder, a number (decimal point or comma), a unit of temperature, or a word.
_TOKEN = re.compile(r"\{[^{}\s]+\}|\d+(?:[.,]\d+)?|°\s?[CF]\b|[^\W\d_]+(?:['’][^\W\d_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_UNIT_REACH = 3  # a unit stands at most this many tokens after its number or placeholder


def differences_in_meaning(
    original: str, own: Vocabulary, translation: str, theirs: Vocabulary
) -> list[str]:
    """How a translation's numbers, units and negations differ from its original's."""
    differences = []
    numbers = [_NUMBER.findall(_PLACEHOLDER.sub(" ", text)) for text in (original, translation)]
    if Counter(map(_value, numbers[0])) != Counter(map(_value, numbers[1])):
        differences.append(f"numbers {numbers[0]} in the original, {numbers[1]} here")
    units = [sorted(_units(original, own)), sorted(_units(translation, theirs))]
    if units[0] != units[1]:
        differences.append(f"units {units[0]} in the original, {units[1]} here")
    return differences + _negations(original, own, translation, theirs)


def _negations(original: str, own: Vocabulary, translation: str, theirs: Vocabulary) -> list[str]:
    """Each sentence (or the whole text) negated in one language and not in the other."""
    mine, yours = _SENTENCE_END.split(original.strip()), _SENTENCE_END.split(translation.strip())
    whole = len(mine) != len(yours) or len(mine) == 1
    if whole:
        mine, yours = [original], [translation]
    differences = []
    for number, (sentence, translated) in enumerate(zip(mine, yours, strict=True), start=1):
        said, answered = _negation(sentence, own), _negation(translated, theirs)
        scope = "the text" if whole else f"sentence {number} ({translated!r})"
        if said is not None and answered is None:
            differences.append(f"{scope} is not negated here; the original says {said!r}")
        elif said is None and answered is not None:
            differences.append(f"{scope} is negated here ({answered!r}); the original is not")
    return differences


def _placeholders(original: str, translation: str) -> str:
    """What differs in the placeholders, or ""."""
    own, theirs = _PLACEHOLDER.findall(original), _PLACEHOLDER.findall(translation)
    if sorted(own) == sorted(theirs):
        return ""
    return f"placeholders {own} in the original, {theirs} here"


def _value(number: str) -> Decimal:
    """A written number's value, with a decimal point or a decimal comma."""
    return Decimal(number.replace(",", "."))


def _tokens(text: str) -> list[str]:
    """The text's placeholders, numbers, temperature units and words, lower case."""
    return [token.lower().replace(" ", "").replace("’", "'") for token in _TOKEN.findall(text)]


def _units(text: str, vocabulary: Vocabulary) -> list[str]:
    """Each unit that stands after a number or a placeholder, once per unit word."""
    tokens = _tokens(text)
    counted: set[int] = set()
    for index, token in enumerate(tokens):
        if token[0] == "{" or token[0].isdigit():
            for after in range(index + 1, min(index + 1 + _UNIT_REACH, len(tokens))):
                if tokens[after] in vocabulary.units:
                    counted.add(after)
    return [vocabulary.units[tokens[index]] for index in sorted(counted)]


def _negation(text: str, vocabulary: Vocabulary) -> str | None:
    """The first word that negates the text, or None."""
    for token in _tokens(text):
        ending = vocabulary.negating_ending
        if token in vocabulary.negations or (ending is not None and token.endswith(ending)):
            return token
    return None


@lru_cache(maxsize=16)
def in_language(protocol: Protocol, language: str) -> Protocol:
    """The protocol worded in one language; its own words for a language it lacks."""
    if language not in protocol.translated:
        return protocol
    worded = with_texts(protocol, protocol.translations.get(language, {}))
    return replace(worded, language=language)
