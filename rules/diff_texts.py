"""What changes in the rules' conditions and in the words between two protocol versions.

Texts are compared as people read them, threshold placeholders written out: a threshold that
moves from 38.0 to 38.5 changes every text that says it. Call-back sentences built from the
rules are paired by rule, in each language; a free-text list (older than 1.1) by its sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.model import Protocol
from rules.texts import LanguageKey, every_text
from rules.translations import in_language


@dataclass(frozen=True)
class RuleChange:
    """A rule whose condition or disposition differs between the versions ("" if absent)."""

    id: str
    old_when: str
    new_when: str
    old_disposition: str
    new_disposition: str


@dataclass(frozen=True)
class TextChange:
    """One text that differs: where it is, in which language, before and after ("" if absent)."""

    kind: str
    item: str
    field: str
    language: str
    old: str
    new: str

    @property
    def where(self) -> str:
        """The item, field and language: rule N2 sign (en)."""
        return f"{self.kind} {self.item} {self.field} ({self.language})"


def rule_changes(old: Protocol, new: Protocol) -> list[RuleChange]:
    """Every rule added, removed, or with another condition or disposition, in file order."""
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    changes = []
    for rule_id in [*after, *(r for r in before if r not in after)]:
        was, now = before.get(rule_id), after.get(rule_id)
        change = RuleChange(
            rule_id,
            was.when.text if was else "",
            now.when.text if now else "",
            was.disposition if was else "",
            now.disposition if now else "",
        )
        if (change.old_when, change.old_disposition) != (change.new_when, change.new_disposition):
            changes.append(change)
    return changes


def _languages(protocol: Protocol) -> tuple[str, ...]:
    """The file's own language and those it is translated into."""
    return (protocol.language, *protocol.translated)


def _texts(protocol: Protocol) -> dict[LanguageKey, str]:
    """Every text in every language but the free-text call-back list (compared by sentence)."""
    return {k: v for k, v in every_text(protocol).items() if k[1] != "call_back"}


def _whole_languages(
    texts: dict[LanguageKey, str], languages: tuple[str, ...], others: tuple[str, ...], what: str
) -> list[str]:
    """Each language that only one version has, with the number of its texts there."""
    return [
        f"{language}: {sum(1 for k in texts if k[0] == language)} texts {what}"
        for language in languages
        if language not in others
    ]


def text_changes(old: Protocol, new: Protocol) -> tuple[list[TextChange], list[str]]:
    """Every text reworded, added or removed; and each language added or dropped whole."""
    before, after = _texts(old), _texts(new)
    old_languages, new_languages = _languages(old), _languages(new)
    whole = _whole_languages(after, new_languages, old_languages, "added (a new language)")
    whole += _whole_languages(before, old_languages, new_languages, "removed (language dropped)")
    shared = set(old_languages) & set(new_languages)
    keys: list[LanguageKey] = [k for k in after if k[0] in shared]
    keys += [k for k in before if k[0] in shared and k not in after]
    changes = [
        TextChange(*key[1:], key[0], before.get(key, ""), after.get(key, ""))
        for key in keys
        if before.get(key, "") != after.get(key, "")
    ]
    return changes, whole


def _sentences(protocol: Protocol, language: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(rule id or "text", text) -> (sentence, where it comes from), in one language."""
    worded = protocol if language == protocol.language else in_language(protocol, language)
    out = {}
    for item in worded.call_back_items:
        if item.disposition is None:
            out[("text", item.text)] = (item.text, f"list, {language}")
        else:
            where = f"under {item.disposition}, rule {', '.join(item.rules)}, {language}"
            out[("rule", ",".join(item.rules))] = (item.text, where)
    return out


def call_back_changes(
    old: Protocol, new: Protocol
) -> tuple[list[TextChange], list[tuple[str, str]], list[tuple[str, str]]]:
    """Call-back sentences reworded (paired by rule), removed and added, in every language."""
    changed: list[TextChange] = []
    removed: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    for language in dict.fromkeys((*_languages(old), *_languages(new))):
        before = _sentences(old, language) if language in _languages(old) else {}
        after = _sentences(new, language) if language in _languages(new) else {}
        removed += [before[k] for k in before if k not in after]
        added += [after[k] for k in after if k not in before]
        for key in (k for k in after if k in before and before[k][0] != after[k][0]):
            rule = key[1]
            changed.append(
                TextChange("call_back", rule, "sentence", language, before[key][0], after[key][0])
            )
    return changed, removed, added
