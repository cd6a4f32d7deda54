"""What a result page shows, taken in at a glance: one number to call, what to do, when to call.

The first phone screen holds the headline, one call button and the short code to have ready;
then at most three things to do now (the rest folded away, never dropped); then the signs to
call about that the patient does not already have. Which line the button rings follows the
clinic's opening hours (OFFICE_HOURS, written like MONITORING_HOURS): in office hours the
office, outside them the after-hours line, the other one a link below it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_date, format_time
from flask_babel import gettext as _

from checker.clock import clinic_zone, local, utcnow
from checker.followup.monitoring import parse_hours
from checker.settings import clinic_name
from rules import Protocol, fill
from rules.callback import grouped
from rules.parts import CALLS

# The protocol's words for whom to call (a disposition's `calls`), in the order it lists them.
EMERGENCY, DOCTOR_NOW, OFFICE, NOBODY = CALLS
ADVICE_SHOWN = 3  # things to do now before "More advice"


@dataclass(frozen=True)
class Line:
    """A number to ring and the words that say whom it reaches."""

    number: str
    words: str  # on the button, above the number: "Call the spine clinic"
    aside: str = ""  # before the number when it is the other line's link


@dataclass(frozen=True)
class Outcome:
    """Everything the result page shows, already chosen and worded."""

    calls: str  # the protocol's `calls`: emergency, doctor_now, office or ""
    tone: str  # how it looks: emergency, urgent, soon, home (the id in older protocols)
    headline: str
    detail: str
    button: Line | None  # the one call button; None when nobody need be called now
    other: Line | None  # the other line, a link under the button
    advice_now: list[str]
    advice_more: list[str]
    call_if: list[tuple[str, list[str]]]  # (the protocol's action, the signs) most urgent first
    reasons: list[str]
    assessed: str  # the date and time of the result, for the printed page

    @property
    def shown(self) -> tuple[str, ...]:
        """The numbers the page shows as its button or link (the footer need not repeat them)."""
        return tuple(line.number for line in (self.button, self.other) if line is not None)


def office_open(config: Mapping[str, Any], moment: datetime) -> bool | None:
    """Whether the office answers at this moment (UTC); None when OFFICE_HOURS is not set."""
    hours = parse_hours(config.get("OFFICE_HOURS") or "")
    if hours is None:
        return None
    return hours.watching(local(moment, clinic_zone(config)))


def lines(calls: str, config: Mapping[str, Any], language: str,
          moment: datetime) -> tuple[Line | None, Line | None]:
    """The line the button rings and the other line, for whom the protocol says to call."""
    if calls == EMERGENCY:
        return Line(config["EMERGENCY_NUMBER"], _("Call")), None
    name = clinic_name(config, language) or _("your doctor's office")
    office = Line(config.get("CLINIC_PHONE") or "", _("Call %(clinic)s", clinic=name),
                  _("In office hours, call %(clinic)s:", clinic=name))
    after = Line(config.get("AFTER_HOURS_PHONE") or "", _("Call the after-hours line"),
                 _("Out of office hours, call the after-hours line:"))
    if calls == OFFICE:
        return (office if office.number else None), None
    if calls != DOCTOR_NOW:
        return None, None
    # Whichever line answers now; unknown hours: the office first, as the headline says.
    first, second = (after, office) if office_open(config, moment) is False else (office, after)
    if not first.number:
        first, second = second, first
    return ((first if first.number else None), (second if second.number else None))


def call_if(protocol: Protocol, result: dict[str, Any],
            emergency_number: str) -> list[tuple[str, list[str]]]:
    """The signs to call about, less those whose rules this result already matched."""
    if not result["call_back_if"]:
        return []
    have = frozenset(reason["rule"] for reason in result["reasons"])
    return [(fill(action, emergency_number), signs)
            for action, signs in grouped(protocol, leaving_out=have) if signs]


def _assessed(moment: datetime, language: str) -> str:
    """A moment as the page's language says a date and a time of day."""
    return _("%(day)s at %(time)s", day=format_date(moment, "long", locale=language),
             time=format_time(moment, "short", locale=language))


def outcome(protocol: Protocol, result: dict[str, Any], config: Mapping[str, Any],
            moment: datetime | None = None) -> Outcome:
    """The result page's content, for this protocol's language and the clinic's settings."""
    moment = moment or utcnow()
    number = config["EMERGENCY_NUMBER"]
    disposition = protocol.disposition(result["disposition"])
    button, other = lines(disposition.calls, config, protocol.language, moment)
    advice = [item["text"] for item in result["advice"]]
    shown = len(advice) if disposition.calls == EMERGENCY else ADVICE_SHOWN
    return Outcome(
        calls=disposition.calls,
        tone=disposition.tone or disposition.id,
        headline=fill(disposition.headline, number),
        detail=fill(disposition.detail, number),
        button=button,
        other=other,
        advice_now=advice[:shown],
        advice_more=advice[shown:],
        call_if=call_if(protocol, result, number),
        reasons=[reason["text"] for reason in result["reasons"]],
        assessed=_assessed(local(moment, clinic_zone(config)), protocol.language),
    )
