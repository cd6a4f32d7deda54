"""The protocol as a Markdown review sheet, for clinicians to sign off."""

from __future__ import annotations

from collections.abc import Iterable

from rules import translations
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Disposition, Protocol, Question

# The sign-off table's columns: a clinical review, and a translator's review.
REVIEWER = ("reviewer", "role", "date", "decision")
TRANSLATOR = ("translator", "date", "decision")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _row(cells: Iterable[str]) -> str:
    """One row of a Markdown table."""
    return "| " + " | ".join(cells) + " |"


def _table_head(*columns: str) -> list[str]:
    """A Markdown table's header row and the line under it."""
    return [_row(columns), "|" + "---|" * len(columns)]


def sign_off(columns: tuple[str, ...] = REVIEWER) -> list[str]:
    """The closing Sign-off section: a table with one empty row to sign in."""
    return ["", "## Sign-off", "", *_table_head(*columns), "|" + "  |" * len(columns), ""]


def _identity(protocol: Protocol) -> str:
    """The line naming the protocol, its version and its file's hash."""
    return f"Protocol `{protocol.id}` version {protocol.version}, file sha256 `{protocol.sha256}`."


def _values(question: Question) -> str:
    """The answers a question allows, mildest first."""
    if question.type == YES_NO:
        return "yes / no" + ("" if question.severe_answer else " (no is the more severe)")
    if question.type == INTEGER:
        low, high = question.bounds
        return f"{int(low)}–{int(high)}"
    if question.type == TEMPERATURE:
        return (
            f"°C or °F, {question.minimum:.1f}–{question.maximum:.1f} °C after conversion; "
            "or not measured. °F is converted to °C; then either is rounded to one decimal, "
            "halves up (100.4 °F = 38.0 °C, 37.95 °C = 38.0 °C)"
        )
    if question.type == CHOICE:
        levels = {c.severity for c in question.choices}
        order = " < " if len(levels) == len(question.choices) else ", "
        return order.join(
            f"`{c.id}`"
            + ("" if len(levels) == len(question.choices) else f" (severity {c.severity})")
            for c in question.choices
        )
    return question.type


def render_translation(protocol: Protocol, language: str) -> str:
    """Every patient text beside its translation, for a clinical translator's sign-off."""
    given = protocol.translations.get(language, {})
    status = "reviewed" if language in protocol.reviewed else "NOT YET REVIEWED"
    out = [
        f"# {protocol.title}: the texts in `{language}` ({status})",
        "",
        _identity(protocol),
        "Check that each translation says the same as the original, keeps every placeholder",
        "such as `{emergency_number}`, and writes numbers the language's way.",
        "",
        *_table_head("where", protocol.language, language),
    ]
    for (kind, item_id, name), text in translations.source_texts(protocol).items():
        theirs = given.get((kind, item_id, name), "**MISSING**")
        out.append(f"| {kind} `{item_id}` {name} | {_cell(text)} | {_cell(theirs)} |")
    return "\n".join(out + sign_off(TRANSLATOR))


def _sources(protocol: Protocol) -> list[str]:
    """The Sources section: each source's title, and the sections cited."""
    out = ["", "## Sources", ""]
    for key, source in protocol.sources.items():
        sections = source.get("sections")
        extra = f" Sections: {', '.join(map(str, sections))}." if isinstance(sections, list) else ""
        out.append(f"- **{key}**: {source['title']}.{extra}")
    return out


def _questions(protocol: Protocol) -> list[str]:
    """The questions in asking order: allowed answers, when asked, the nurse's note."""
    out = [
        "",
        "## Questions, in asking order",
        "",
        *_table_head("#", "id", "question", "answers", "asked", "in the nurse's note"),
    ]
    for number, q in enumerate(protocol.questions, 1):
        asked = "always" if q.asked_when is None else f"when `{q.asked_when.text}`"
        if q.context:
            asked += " (context, not severity)"
        out.append(
            f"| {number} | `{q.id}` | {_cell(q.text)} | {_values(q)} | {asked} | "
            f"{_cell(q.note) or '—'} |"
        )
    return out


def _shown(disposition: Disposition) -> list[str]:
    """How a disposition is shown: its look, whom to call, its call-back action ([] if none)."""
    look = [f"look: `{disposition.tone}`"] if disposition.tone else []
    look += [f"whom to call: `{disposition.calls or 'nobody'}`"] if disposition.tone else []
    if disposition.call_back_action:
        look.append(f'call-back action: "{_cell(disposition.call_back_action)} …"')
    return [f"{'; '.join(look)}.", ""] if look else []


def _disposition_rules(protocol: Protocol, disposition: Disposition) -> list[str]:
    """One disposition: its headline, how it is shown, and the rules that give it."""
    out = [f"### `{disposition.id}`: {_cell(disposition.headline)}", "", *_shown(disposition)]
    rules = [r for r in protocol.rules if r.disposition == disposition.id]
    if not rules:
        return [*out, "When no rule matches.", ""]
    out += _table_head(
        "rule", "when", "why (shown to the person)", "sign (in the call-back list)", "source"
    )
    for rule in rules:
        out.append(
            f"| {rule.id} | `{rule.when.text}` | {_cell(rule.explain)} | "
            f"{_cell(rule.sign) or '—'} | {_cell(rule.source)} |"
        )
    return [*out, ""]


def _rules(protocol: Protocol) -> list[str]:
    """The rules grouped by disposition, most urgent first."""
    out = ["", "## Rules, by disposition (most urgent first; the most urgent match wins)", ""]
    for disposition in protocol.dispositions:
        out += _disposition_rules(protocol, disposition)
    return out


def _advice(protocol: Protocol) -> list[str]:
    """The advice items, and the dispositions that allow only some of them."""
    out = ["## Advice (every matching item is given)", ""]
    for d in protocol.dispositions:
        if d.only_advice is not None:
            shown = ", ".join(f"`{a}`" for a in d.only_advice)
            out.append(f"With `{d.id}`, only: {shown}.")
    out += ["", *_table_head("id", "when", "text", "in the nurse's note", "source")]
    for item in protocol.advice:
        out.append(
            f"| `{item.id}` | `{item.when.text}` | {_cell(item.text)} | {_cell(item.note) or '—'} "
            f"| {_cell(item.source)} |"
        )
    return out


def _call_back(protocol: Protocol) -> list[str]:
    """When to call back: its source, where it is not shown, and its sentences."""
    out = ["", "## When to call back", "", f"Source: {protocol.call_back_source}.", ""]
    quiet = [d.id for d in protocol.dispositions if not d.call_back]
    if quiet:
        out += [f"Not shown with: {', '.join(f'`{d}`' for d in quiet)}.", ""]
    if protocol.call_back_from_rules:
        out += ["Built from the rules: each rule's sign under its disposition's action.", ""]
    return out + [f"- {text}" for text in protocol.call_back]


def render(protocol: Protocol) -> str:
    """The whole review sheet."""
    out = [
        f"# {protocol.title}",
        "",
        _identity(protocol),
        *_sources(protocol),
        *_questions(protocol),
        *_rules(protocol),
        *_advice(protocol),
        *_call_back(protocol),
        *sign_off(),
    ]
    return "\n".join(out)
