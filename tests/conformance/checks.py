"""What each surface must say about an answer set, held to `rules.assess`.

Each check raises a Disagreement naming the surface, the answers sent, what `rules.assess`
gives and what the surface gave. The harness's tests run these checks; the meta-test runs them
against a surface with a planted bug to show that they fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from rules import AnswerError, assess, validate_answers
from rules.model import INTEGER
from rules.shortcode import CodeError, decode, encode
from rules.translations import in_language
from tests.conformance.harness import Harness
from tests.conformance.pages import Shown
from tests.conformance.space import PROTOCOL, as_read, asked, complete, form_fields

EMERGENCY = PROTOCOL.dispositions[0].id
# How a result looks (its colour and icon), as the protocol says for each disposition.
LOOKS = {d.id: d.tone or d.id for d in PROTOCOL.dispositions}
# Answer sets sent, by surface: what the harness reports and the totals test counts.
SENT: Counter[str] = Counter()
# Results the patient's page showed, by disposition: every one must come up often.
SHOWN: Counter[str] = Counter()


class Disagreement(AssertionError):
    """A surface said something other than `rules.assess` (or refused what it must take)."""


def disagree(surface: str, given: Any, expected: Any, got: Any) -> Disagreement:
    """The failure: where, for which input, what was expected and what came."""
    return Disagreement(f"{surface} disagrees with rules.assess\n  input: {given!r}\n"
                        f"  expected: {expected}\n  got: {got}")


def expected(answers: Mapping[str, Any], language: str = "en",
             number: str = "911") -> dict[str, Any]:
    """The assessment `rules.assess` gives, in a language's words, as JSON carries it."""
    protocol = in_language(PROTOCOL, language)
    return json.loads(json.dumps(assess(dict(answers), protocol, emergency_number=number)))


def rank(disposition: str) -> int:
    """How urgent a disposition is: 0 is the most urgent."""
    return PROTOCOL.rank[disposition]


def refused_fields_of(answers: Mapping[str, Any]) -> set[str]:
    """The answers the engine refuses, by question id (empty when all are valid)."""
    try:
        validate_answers(PROTOCOL, dict(answers))
    except AnswerError as exc:
        return set(exc.errors)
    return set()


def _sentence(text: str) -> str:
    """A call-back sentence compared without its closing stop."""
    return " ".join(text.split()).rstrip(".")


def same_result(shown: Shown, want: Mapping[str, Any], given: Any) -> None:
    """The page states the assessment: disposition, reasons, advice and when to call.

    The page's list of signs to call about leaves out the signs the patient already has (the
    rules this result matched); every other sentence of the assessment's list is there. An
    emergency page is the call and what to do while waiting: no reasons.
    """
    said = {"disposition": shown.disposition, "look": shown.tone, "reasons": shown.reasons,
            "advice": shown.advice, "call_back_if": [_sentence(s) for s in shown.call_back]}
    have = {r["rule"] for r in want["reasons"]}
    calls_emergency = PROTOCOL.disposition(want["disposition"]).calls == "emergency"
    built = PROTOCOL.call_back_items if want["call_back_if"] else ()  # none in an emergency
    call_back = [text for text, item in zip(want["call_back_if"], built, strict=True)
                 if not have & set(item.rules)]
    wanted = {"disposition": want["disposition"], "look": LOOKS[want["disposition"]],
              "reasons": [] if calls_emergency else [r["text"] for r in want["reasons"]],
              "advice": [a["text"] for a in want["advice"]],
              "call_back_if": [_sentence(s) for s in call_back]}
    if said != wanted:
        raise disagree(shown.surface, given, wanted, said)


def check_api(h: Harness, answers: dict[str, Any], *, as_floats: bool = False) -> None:
    """The JSON API answers exactly the assessment, for whole numbers written 8 or 8.0."""
    sent = {k: float(v) if as_floats and PROTOCOL.by_id[k].type == INTEGER else v
            for k, v in answers.items()}
    status, got = h.api(json.dumps(sent).encode())
    want = expected(answers, number=h.number)
    if status != 200 or got != want:
        raise disagree("JSON API", sent, want, (status, got))
    SENT["JSON API"] += 1


def check_api_refuses(h: Harness, answers: dict[str, Any]) -> None:
    """The JSON API refuses an answer set the engine refuses, naming each bad answer."""
    status, got = h.api(json.dumps(answers).encode())
    wrong = refused_fields_of(answers)
    if status != 422 or set(got.get("errors", {})) != wrong:
        raise disagree("JSON API", answers, f"422 naming {sorted(wrong)}", (status, got))
    SENT["JSON API"] += 1


def check_patient_page(h: Harness, answers: dict[str, Any], *, language: str = "en",
                       comma: bool = False) -> Shown:
    """A complete answer set: the result page states the assessment and codes the answers."""
    shown = h.patient_result(form_fields(PROTOCOL, answers, comma=comma).items(), language)
    read = as_read(PROTOCOL, answers)
    same_result(shown, expected(read, language, h.number), answers)
    check_short_code(shown, read)
    SENT["patient page"] += 1
    SHOWN[str(shown.disposition)] += 1
    return shown


def check_short_code(shown: Shown, answers: dict[str, Any]) -> None:
    """The code on a result holds exactly the answers the result was assessed from.

    An emergency page has none: the patient calls the emergency line, not the clinic.
    """
    emergency = PROTOCOL.disposition(str(shown.disposition)).calls == "emergency"
    try:
        encode(PROTOCOL, answers)
    except CodeError:
        emergency = True
    if emergency:
        if shown.short_code:
            raise disagree(shown.surface, answers, "no short code (an emergency, or answers "
                           "it cannot hold)", shown.short_code)
        return
    if not shown.short_code:
        raise disagree(shown.surface, answers, "a short code", "none")
    protocol, decoded = decode(shown.short_code)
    if protocol is not PROTOCOL or decoded != answers:
        raise disagree(shown.surface, answers, answers, ("short code", protocol.version, decoded))


def check_patient_incomplete(h: Harness, readable: dict[str, Any], fields: dict[str, str],
                             spoiled: set[str]) -> None:
    """Answers missing or unreadable: only an emergency ends the check; anything else is asked.

    `readable` are the answers the posted fields give; `spoiled` the questions whose fields are
    not a clean answer. One asked only in some case (pain relief, with no pain) is not asked
    in the others, so its field is never read, whatever it holds.
    """
    shown = h.patient_result(fields.items())
    read = as_read(PROTOCOL, readable)
    want = expected(read, number=h.number)
    unreadable = spoiled & {q.id for q in asked(PROTOCOL, readable)}
    if not unreadable and complete(PROTOCOL, readable):
        same_result(shown, want, fields)
        check_short_code(shown, read)
    elif want["disposition"] == EMERGENCY:
        same_result(shown, want, fields)
        check_short_code(shown, read)
    elif shown.disposition is not None or shown.status != 422:
        raise disagree(shown.surface, fields, "no result: the step asks again (422)",
                       shown.summary())
    SENT["patient page"] += 1
