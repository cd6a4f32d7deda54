"""A call under way: the console with questions still to ask, or answers it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rules import load_protocol
from tests.conformance.checks import SENT, disagree, expected
from tests.conformance.harness import PLAN, Harness, caller_fields, today

# The answer the app gives itself: the protocol's context question (days since the procedure).
DAYS = next(q.id for q in load_protocol().questions if q.context)

SURFACE = "console, a call under way"


def check_call_under_way(h: Harness, readable: dict[str, Any], fields: dict[str, str],
                         spoiled: set[str], new_call: Callable[[], str], call: str) -> None:
    """The live disposition is the assessment of the answers read so far; the call is saved
    only when decided with every answer readable, and then stores that assessment.

    `call` is a call number for calls that must not be saved; `new_call` gives a fresh one
    for a call that may be.
    """
    spoiled = spoiled - {DAYS}  # the console's day count is its own, never a posted one
    want = expected(readable, number=h.number)
    asked = {k for k in readable if k != DAYS}
    closable = bool(want["decided"] and not spoiled and DAYS in readable and asked)
    call = new_call() if closable else call
    caller = caller_fields(today() - timedelta(days=readable.get(DAYS, 0)))
    if DAYS not in readable:
        del caller["procedure_date"]  # not known yet: no day count, and the call cannot close
    pairs = [(k, v) for k, v in fields.items() if k != DAYS] + [*caller.items(), ("call", call)]
    page, _ = h.console_post([*pairs, ("action", "update")], SURFACE)
    got = (page.disposition, page.decided, page.advice, set(page.errors) & spoiled)
    wanted = (want["disposition"] if asked else None, want["decided"],
              [a["id"] for a in want["advice"]], spoiled)
    if got != wanted:
        raise disagree(SURFACE, fields, wanted, got)
    ticked = [("advice_given", a) for a in page.advice]
    _, saved = h.console_post([*pairs, *ticked, *PLAN.items(), ("action", "save")], SURFACE)
    if closable != (saved is not None):
        raise disagree(SURFACE, fields, "saved" if closable else "not saved",
                       f"saved as call {saved}" if saved else "not saved")
    if saved is not None:
        encounter, _ = h.encounters([saved])[saved]
        stored = (encounter.engine_disposition, encounter.assessment, encounter.answers)
        if stored != (want["disposition"], want, readable):
            raise disagree("saved call", fields, (want["disposition"], want, readable), stored)
    SENT[SURFACE] += 1
