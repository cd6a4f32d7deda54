"""Reading what each surface says: a page's disposition, advice and reasons, from its markup.

A disposition is recognised by the protocol's own headline in the page's language (or, in a
nurse's record, by its label), never by words written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from checker.i18n import LANGUAGES
from rules import Protocol, fill
from rules.translations import in_language

_TAG = re.compile(r"<[^>]+>")
_LI = re.compile(r"<li>(.*?)</li>", re.S)
_RESULT = re.compile(
    r'<div class="result result-([\w-]+)">\s*<h1 class="result-headline">.*?<span>(.*?)</span>'
    r"</h1>", re.S)
_WHY = re.compile(r'<section aria-labelledby="why">(.*?)</section>', re.S)
_TODO = re.compile(r'<section aria-labelledby="todo">(.*?)</section>', re.S)
_EMERGENCY_ADVICE = re.compile(r'<p class="emergency-advice">(.*?)</p>', re.S)
_CALL_BACK = re.compile(r'<section class="call-back" aria-labelledby="call-back">(.*?)</section>',
                        re.S)
# Each action of the list to call about folded under its words: "Call 911 now if…".
_ACTION = re.compile(r"<summary>(.*?)…</summary>\s*<ul>(.*?)</ul>", re.S)
_CODE = re.compile(r'<p class="code" lang="en">(.*?)</p>')
_CONSOLE_SHOWN = re.compile(
    r'<p class="disposition disposition-([\w-]+)" id="shown-disposition"><strong>(.*?)</strong>:'
    r" (.*?)</p>", re.S)
_DECIDED = re.compile(r'<p class="(decided|undecided)">')
_FIELD_ERROR = re.compile(r'<p class="error-message" id="([\w-]+)-error">')
_CONTROL = re.compile(r"<(textarea)\b([^>]*)>(.*?)</textarea>|<(input|select|option|/select)\b"
                      r"([^>]*)>", re.S)
_ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')
_HANDOUT = re.compile(r'<div class="result result-([\w-]*)">\s*<p class="headline">(.*?)</p>', re.S)
_HANDOUT_LISTS = re.compile(r"<h2>(.*?)</h2>\s*<ul>(.*?)</ul>", re.S)
_ROW = re.compile(r'<tr(?: class="([\w-]+)")?>\s*<th scope="row"><a href="[^"]*/patients/(\d+)">'
                  r".*?</th>\s*<td>(.*?)</td>", re.S)


def text_of(markup: str) -> str:
    """The words of a piece of markup, tags removed and spaces squeezed."""
    return " ".join(unescape(_TAG.sub(" ", markup)).split())


def items(markup: str) -> list[str]:
    """The words of each list item."""
    return [text_of(item) for item in _LI.findall(markup)]


@dataclass
class Shown:
    """What one surface showed or answered for one answer set."""

    surface: str
    status: int
    disposition: str | None  # None: no result was given (refused, or asked again)
    decided: bool | None = None
    reasons: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    call_back: list[str] = field(default_factory=list)
    short_code: str = ""
    tone: str = ""
    errors: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None

    def summary(self) -> str:
        """A short account for a failure message (no whole page)."""
        return (f"{self.surface}: HTTP {self.status}, disposition {self.disposition}, "
                f"decided {self.decided}, errors {self.errors}")


class Headlines:
    """Each disposition's headline in every language, and its label in a nurse's record."""

    def __init__(self, protocol: Protocol, number: str) -> None:
        """Read the headlines of this protocol with the clinic's emergency number in them."""
        self.protocol = protocol
        self.by_text: dict[str, str] = {}
        for language in LANGUAGES:
            translated = in_language(protocol, language)
            for disposition in translated.dispositions:
                text = fill(disposition.headline, number)
                if self.by_text.setdefault(text, disposition.id) != disposition.id:
                    raise ValueError(f"two dispositions share the headline {text!r}")
        self.tones = {d.tone or d.id: d.id for d in protocol.dispositions}
        # A nurse's record names a disposition by its id in capitals: CALL DOCTOR NOW.
        self.labels = {d.id.replace("_", " ").upper(): d.id for d in protocol.dispositions}

    def disposition(self, headline: str) -> str:
        """The disposition a headline states; KeyError when it is none of the protocol's."""
        return self.by_text[text_of(headline)]

    def mentioned(self, text: str) -> set[str]:
        """The dispositions a line of a record names, by label or by headline."""
        return {d for words, d in [*self.labels.items(), *self.by_text.items()] if words in text}


def result_page(status: int, html: str, headlines: Headlines, surface: str) -> Shown:
    """The patient's result page, or the step that asks again (no disposition)."""
    found = _RESULT.search(html)
    errors = _FIELD_ERROR.findall(html)
    if found is None:
        return Shown(surface, status, None, errors=errors)
    tone, headline = found.groups()
    disposition = headlines.disposition(headline)
    why = _WHY.search(html)
    todo = _TODO.search(html)
    advice = [text_of(a) for a in _EMERGENCY_ADVICE.findall(html)]
    if todo is not None:
        advice += items(todo.group(1))
    call_back: list[str] = []
    section = _CALL_BACK.search(html)
    if section is not None:
        for action, signs in _ACTION.findall(section.group(1)):
            call_back += [f"{text_of(action)} {sign}" for sign in items(signs)]
    code = _CODE.search(html)
    return Shown(surface, status, disposition, True,
                 reasons=items(why.group(1)) if why else [], advice=advice, call_back=call_back,
                 short_code=text_of(code.group(1)) if code else "", tone=tone, errors=errors)


def form_controls(html: str, form_class: str) -> tuple[list[tuple[str, str]], list[str]]:
    """What the form of this class would post as it stands, and the advice it offers to tick.

    Text inputs and hidden fields with their values, checked radios and boxes, the selected
    option; buttons are left to the caller. The advice boxes are returned apart: each is one
    tick the nurse may give.
    """
    start = html.index(f'class="{form_class}"')
    end = html.index("</form>", start)
    posted: list[tuple[str, str]] = []
    offered: list[str] = []
    select = ""
    for match in _CONTROL.finditer(html, start, end):
        area, area_attributes, content, tag, attributes = match.groups()
        tag, attributes = (area, area_attributes) if area else (tag, attributes)
        a = {k: unescape(v or "") for k, v in _ATTRIBUTE.findall(attributes)}
        name = a.get("name", "")
        if tag == "select":
            select = name
        elif tag == "/select":
            select = ""
        elif tag == "option":
            if select and "selected" in a:
                posted.append((select, a.get("value", "")))
        elif tag == "textarea":
            posted.append((name, unescape(content or "")))
        elif name and a.get("type") in ("radio", "checkbox"):
            if name == "advice_given":
                offered.append(a.get("value", ""))
            elif "checked" in a:
                posted.append((name, a.get("value", "")))
        elif name and a.get("type") not in ("submit", "button"):
            posted.append((name, a.get("value", "")))
    return posted, offered


def console_page(status: int, html: str, headlines: Headlines, surface: str) -> Shown:
    """The call console: the live disposition, whether decided, and the form as it stands."""
    found = _CONSOLE_SHOWN.search(html)
    decided = _DECIDED.search(html)
    posted, offered = form_controls(html, "console")
    disposition = None
    if found is not None and found.group(1) != "none":  # "No answers yet"
        disposition = headlines.disposition(found.group(3))
    return Shown(surface, status, disposition,
                 decided.group(1) == "decided" if decided else None,
                 advice=offered, errors=_FIELD_ERROR.findall(html), fields=posted,
                 tone=found.group(1) if found else "")


def live_update(status: int, body: dict[str, Any], headlines: Headlines) -> Shown:
    """The console's live update: the disposition line, the panel and the advice to tick."""
    found = _CONSOLE_SHOWN.search(body.get("disposition", ""))
    decided = _DECIDED.search(body.get("panel", ""))
    offered = re.findall(r'name="advice_given"[^>]*value="([^"]*)"', body.get("advice", ""))
    disposition = None
    if found is not None and found.group(1) != "none":
        disposition = headlines.disposition(found.group(3))
    return Shown("console's live update", status, disposition,
                 decided.group(1) == "decided" if decided else None,
                 advice=[unescape(a) for a in offered], errors=list(body.get("errors", {})),
                 body=body.get("assessment"))


def handout_page(status: int, html: str, headlines: Headlines) -> Shown:
    """The printed handout: the disposition it tells, the care advice and when to call."""
    found = _HANDOUT.search(html)
    if found is None:
        return Shown("handout", status, None)
    lists = {text_of(title): items(body) for title, body in _HANDOUT_LISTS.findall(html)}
    advice = next((v for k, v in lists.items() if "home" in k.lower()), [])
    call_back = next((v for k, v in lists.items() if "call" in k.lower()), [])
    return Shown("handout", status, headlines.disposition(found.group(2)), advice=advice,
                 call_back=call_back, tone=found.group(1))


def worklist_rows(html: str) -> dict[int, tuple[bool, str]]:
    """Each enrolment's row: whether it is flagged as an alert, and what it says."""
    return {int(enrolment): (kind == "row-alert", text_of(said))
            for kind, enrolment, said in _ROW.findall(html)}


def note_line(note: str, heading: str) -> str:
    """The rest of the note's line that starts with this heading, its wrapped (indented) lines
    joined on (empty when none does)."""
    lines = note.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(heading + ":"):
            found = [line[len(heading) + 1:].strip()]
            for more in lines[number + 1:]:
                if not more.startswith("    "):
                    break
                found.append(more.strip())
            return " ".join(found)
    return ""
