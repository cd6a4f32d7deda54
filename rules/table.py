"""The protocol as a Markdown review sheet, for clinicians to sign off."""

from __future__ import annotations

from rules import translations
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Protocol, Question


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


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
        f"Protocol `{protocol.id}` version {protocol.version}, file sha256 `{protocol.sha256}`.",
        "Check that each translation says the same as the original, keeps every placeholder",
        "such as `{emergency_number}`, and writes numbers the language's way.",
        "",
        f"| where | {protocol.language} | {language} |",
        "|---|---|---|",
    ]
    for (kind, item_id, name), text in translations.source_texts(protocol).items():
        theirs = given.get((kind, item_id, name), "**MISSING**")
        out.append(f"| {kind} `{item_id}` {name} | {_cell(text)} | {_cell(theirs)} |")
    out += [
        "",
        "## Sign-off",
        "",
        "| translator | date | decision |",
        "|---|---|---|",
        "|  |  |  |",
        "",
    ]
    return "\n".join(out)


def render(protocol: Protocol) -> str:
    """The whole review sheet."""
    out = [
        f"# {protocol.title}",
        "",
        f"Protocol `{protocol.id}` version {protocol.version}, file sha256 `{protocol.sha256}`.",
        "",
        "## Sources",
        "",
    ]
    for key, source in protocol.sources.items():
        sections = source.get("sections")
        extra = f" Sections: {', '.join(map(str, sections))}." if isinstance(sections, list) else ""
        out.append(f"- **{key}**: {source['title']}.{extra}")
    out += [
        "",
        "## Questions, in asking order",
        "",
        "| # | id | question | answers | asked | in the nurse's note |",
        "|---|---|---|---|---|---|",
    ]
    for number, q in enumerate(protocol.questions, 1):
        asked = "always" if q.asked_when is None else f"when `{q.asked_when.text}`"
        if q.context:
            asked += " (context, not severity)"
        out.append(
            f"| {number} | `{q.id}` | {_cell(q.text)} | {_values(q)} | {asked} | "
            f"{_cell(q.note) or '—'} |"
        )
    out += ["", "## Rules, by disposition (most urgent first; the most urgent match wins)", ""]
    for disposition in protocol.dispositions:
        out += [f"### `{disposition.id}`: {_cell(disposition.headline)}", ""]
        look = [f"look: `{disposition.tone}`"] if disposition.tone else []
        look += [f"whom to call: `{disposition.calls or 'nobody'}`"] if disposition.tone else []
        if disposition.call_back_action:
            look.append(f'call-back action: "{_cell(disposition.call_back_action)} …"')
        out += [f"{'; '.join(look)}.", ""] if look else []
        rules = [r for r in protocol.rules if r.disposition == disposition.id]
        if not rules:
            out += ["When no rule matches.", ""]
            continue
        out += [
            "| rule | when | why (shown to the person) | sign (in the call-back list) | source |",
            "|---|---|---|---|---|",
        ]
        for rule in rules:
            out.append(
                f"| {rule.id} | `{rule.when.text}` | {_cell(rule.explain)} | "
                f"{_cell(rule.sign) or '—'} | {_cell(rule.source)} |"
            )
        out.append("")
    out += ["## Advice (every matching item is given)", ""]
    for d in protocol.dispositions:
        if d.only_advice is not None:
            shown = ", ".join(f"`{a}`" for a in d.only_advice)
            out.append(f"With `{d.id}`, only: {shown}.")
    out += ["", "| id | when | text | in the nurse's note | source |", "|---|---|---|---|---|"]
    for item in protocol.advice:
        out.append(
            f"| `{item.id}` | `{item.when.text}` | {_cell(item.text)} | {_cell(item.note) or '—'} "
            f"| {_cell(item.source)} |"
        )
    out += ["", "## When to call back", "", f"Source: {protocol.call_back_source}.", ""]
    quiet = [d.id for d in protocol.dispositions if not d.call_back]
    if quiet:
        out += [f"Not shown with: {', '.join(f'`{d}`' for d in quiet)}.", ""]
    if protocol.call_back_from_rules:
        out += ["Built from the rules: each rule's sign under its disposition's action.", ""]
    out += [f"- {text}" for text in protocol.call_back]
    out += [
        "",
        "## Sign-off",
        "",
        "| reviewer | role | date | decision |",
        "|---|---|---|---|",
        "|  |  |  |  |",
        "",
    ]
    return "\n".join(out)
