"""Serving a check: which page a posted form leads to, and rendering it.

The anonymous check at / and a follow-up patient's daily check-in are the same pages; a
check-in only adds answers the server knows (the day count) and what happens to its result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import current_app, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from checker.answer_form import (
    NOT_MEASURED,
    UNIT,
    VALUE,
    field_name,
    field_names,
    shown_number,
)
from checker.i18n import LANG_FIELD, SWITCH_LANG, language
from checker.public.display import QuestionDisplay, display_for
from checker.public.flow import RESULT, REVIEW, Check
from checker.public.markup import question_markup
from checker.public.outcome import outcome
from checker.public.sealed import LIFETIME_SECONDS, SEALED, seal, unseal
from checker.public.steps import Step, steps_for
from checker.security import HISTORY_ONLY
from rules import Protocol, fill, load_protocol
from rules.model import TEMPERATURE, TEMPERATURE_UNITS
from rules.translations import in_language

NEXT, BACK, SUBMIT, CHANGE = "next", "back", "submit", "change:"
SWITCH_UNIT = "switch_unit"  # "Yes, I meant °C": posts the answers again in that unit
RETURN_TO = "return_to"


@dataclass(frozen=True)
class CheckKind:
    """What makes one kind of check: its address, answers the server fills in, its result."""

    # The address the steps post to (by default the anonymous check's).
    action: Callable[[], str] = field(default=lambda: request.path)
    fixed: Callable[[], dict[str, Any]] = field(default=dict)
    # Called with the check and its result before the result page; gives the page more to say.
    on_result: Callable[[Check, dict[str, Any]], dict[str, Any]] | None = None
    extra: Callable[[], dict[str, Any]] = field(default=dict)


def _posted(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """The posted form as the patient meant it.

    The unit they confirmed by one tap ("Yes, 38.5 °C") is set; a temperature box they saw and
    left empty means "not measured", as the question's hint tells them, and travels so.
    """
    data = form.copy()
    switch = data.pop(SWITCH_UNIT, None)
    moving_on = data.get("action", NEXT) == NEXT or switch is not None
    shown = next((s for s in steps_for(load_protocol()) if s.id == data.get("step")), None)
    for question in load_protocol().questions:
        if question.type != TEMPERATURE:
            continue
        if switch in TEMPERATURE_UNITS:
            data.setlist(field_name(question, UNIT), [switch])
        value = field_name(question, VALUE)
        left_empty = value in data and not any(v.strip() for v in data.getlist(value))
        if moving_on and shown and question in shown.questions and left_empty:
            data.setlist(field_name(question, NOT_MEASURED), ["1"])
    return data


# The fields a page's own address keeps: the answers and the buttons, never a code or a token.
CONTROLS = frozenset({"action", "step", RETURN_TO, SWITCH_LANG, SWITCH_UNIT, LANG_FIELD})


def _sealed_form() -> MultiDict[str, str] | None:
    """The form sealed in this GET's address, if it has one that is ours and still fresh."""
    value = request.args.get(SEALED)
    if not value:
        return None
    config = current_app.config
    fields = unseal(value, config["SECRET_KEY"],
                    config.get("CHECK_PAGE_SECONDS", LIFETIME_SECONDS))
    return MultiDict(fields) if fields is not None else None


def page_address(kind: CheckKind, form: MultiDict[str, str]) -> str:
    """An address of its own for the page this form led to: GET it and get the same page."""
    kept = CONTROLS | {name for q in load_protocol().questions for name in field_names(q)}
    fields = [(k, v) for k, v in form.items(multi=True) if k in kept]
    action = kind.action()
    query = urlencode({LANG_FIELD: language(),
                       SEALED: seal(fields, current_app.config["SECRET_KEY"])})
    return f"{action}{'&' if '?' in action else '?'}{query}"


def serve_check(kind: CheckKind, *, posted: bool) -> Any:
    """The page a request leads to: the first step, another step, the review or the result.

    A posted page is also given an address of its own (page_address) that a GET turns into
    the same page, so reload, Back and Forward never post again.
    """
    config = current_app.config
    form: MultiDict[str, str] | None = request.form if posted else _sealed_form()
    protocol = in_language(load_protocol(), language())
    check = Check.read(protocol, _posted(form) if form is not None else None,
                       config["EMERGENCY_NUMBER"], kind.fixed())
    address = page_address(kind, form) if posted and form is not None else None
    pages = _Pages(kind, check, address)
    if form is None:
        return pages.step(check.applicable()[0])
    action = form.get("action", NEXT)
    shown_id = form.get("step", "")
    shown = check.step(shown_id)
    returning = form.get(RETURN_TO) == REVIEW
    # Going back to look or to mend a mistaken tap is the patient's choice; every way forward
    # meets the emergency first, because the answer still travels with the form.
    if action == BACK:
        return _back(pages, check, shown, shown_id)
    if action.startswith(CHANGE):
        target = check.step(action[len(CHANGE):])
        return pages.step(target, returning=True) if target else pages.review()
    if action == REVIEW:
        return pages.review()
    # An emergency answer ends the check at once, whatever else is missing or wrong.
    emergency = check.emergency()
    if emergency is not None:
        return pages.result(emergency)
    if form.get(SWITCH_LANG):  # the same page in the other language, nothing marked wrong
        return _same_page(pages, check, shown, shown_id, returning)
    if action == SUBMIT or shown is None:
        return _finish(pages, check)
    return _forward(pages, check, shown, returning)


def _same_page(pages: _Pages, check: Check, shown: Step | None, shown_id: str,
               returning: bool) -> Any:
    """The page the patient was on, now in the language they picked."""
    if shown is not None:
        return pages.step(shown, returning=returning)
    if shown_id == REVIEW:
        return pages.review()
    return _finish(pages, check)  # the result page: assessed again, in the new words


def _back(pages: _Pages, check: Check, shown: Step | None, shown_id: str) -> Any:
    """The step before the one shown; from the review the last step, from a result the review."""
    if shown is not None:
        return pages.step(check.before(shown) or shown)
    if shown_id == REVIEW:
        return pages.step(check.applicable()[-1])
    if shown_id == RESULT:
        return pages.review()
    return pages.step(check.applicable()[0])


def _forward(pages: _Pages, check: Check, shown: Step, returning: bool) -> Any:
    """The next step, or this one again with what needs fixing."""
    problems = check.problems(shown)
    # Every step, the emergency signs' too, is answered before the next: a "yes" there has
    # already ended the check (serve_check), so what is asked again is only what is missing.
    if problems:
        return pages.step(shown, problems, returning=returning)
    if returning:
        # A changed answer may open a question not yet asked (pain now, so pain relief).
        problem = check.first_problem()
        if problem is not None:
            return pages.step(problem[0], returning=True)
        return pages.review()
    following = check.after(shown)
    return pages.step(following) if following else pages.review()


def _finish(pages: _Pages, check: Check) -> Any:
    """The result, or the first step that still needs an answer."""
    problem = check.first_problem()
    if problem is not None:
        step, problems = problem
        return pages.step(step, problems, returning=True)
    result = check.assess()
    if not result["decided"]:  # every asked question is answered, so this cannot happen
        raise RuntimeError("a complete check must be decided")
    return pages.result(result)


class _Pages:
    """Renders the pages of one check."""

    def __init__(self, kind: CheckKind, check: Check, address: str | None = None) -> None:
        self.kind = kind
        self.check = check
        self.address = address  # the page's own address, when a post led to it
        config = current_app.config
        self.number = config["EMERGENCY_NUMBER"]
        self.display = display_for(check.protocol, check.protocol.language, self.number)
        self.default_unit = config["DEFAULT_TEMPERATURE_UNIT"]

    def _render(self, template: str, status: int = 200, **context: Any) -> Any:
        """A page of the check, kept by this browser for Back only."""
        shared = {"action": self.kind.action(), "followup": False,
                  "default_unit": self.default_unit, "page_address": self.address}
        body = render_template(template, **{**shared, **self.kind.extra(), **context})
        return body, status, {"Cache-Control": HISTORY_ONLY}

    def step(self, step: Step, problems: dict[str, str] | None = None, *,
             returning: bool = False) -> Any:
        """One step, with any problems beside their questions and in a summary."""
        problems = problems or {}
        questions = [self.display[q.id] for q in step.questions]
        group = next(g for g in self.check.protocol.groups if g.id == step.group)
        number, total = self.check.position(step)
        summary = [(q.target, f"{q.legend} – {problems[q.id]}") for q in questions
                   if q.id in problems]
        values = self.check.values()
        other_unit = self.check.reading.other_unit if problems else {}
        shown = [(q, None if q.id in problems or q.id in other_unit else self._made(q, values))
                 for q in questions]
        return self._render(
            "public/step.html", 422 if problems else 200, step=step, group=group,
            group_hint=fill(group.hint, self.number) if group.hint else "",
            questions=shown, problems=problems, summary=summary,
            values=values, hidden=self.check.hidden(step), other_unit=other_unit,
            number=number, total=total, first=number == 1, returning=returning)

    def _made(self, display: QuestionDisplay, values: dict[str, str]) -> Markup:
        """A question with no error, from the markup made once for its choice."""
        return question_markup(display, values, protocol_sha=self.check.protocol.sha256,
                               language=self.check.protocol.language,
                               emergency_number=self.number, default_unit=self.default_unit)

    def review(self) -> Any:
        """Every answer with a way to change it, then the button for the result."""
        rows = []
        for step in self.check.applicable():
            for question in step.questions:
                rows.append((self.display[question.id], self._answer_text(question.id), step))
        return self._render("public/review.html", rows=rows, hidden=self.check.hidden(None))

    def _answer_text(self, question_id: str) -> str:
        """An answer in words, as the patient gave it."""
        if question_id not in self.check.answers:
            return _("Not answered")
        value = self.check.answers[question_id]
        display = self.display[question_id]
        if display.kind == "temperature":
            if value is None:
                return _("Not taken")
            number, unit = self.check.shown_temperature(question_id)
            return f"{shown_number(number)} {unit}"
        if display.options:
            wanted = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            return next((o.label for o in display.options if o.value == wanted), wanted)
        return str(value)

    def result(self, result: dict[str, Any]) -> Any:
        """Whom to call, what to do now and when to call (checker.public.outcome)."""
        protocol: Protocol = self.check.protocol
        extra = self.kind.on_result(self.check, result) if self.kind.on_result else {}
        answers = [(self.display[q.id].legend, self._answer_text(q.id))
                   for step in self.check.applicable() for q in step.questions]
        return self._render(
            "public/result.html", result=result,
            outcome=outcome(protocol, result, current_app.config), answers=answers,
            hidden=self.check.hidden(None), **extra)
