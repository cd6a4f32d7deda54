"""The call's plan: what the nurse did, whether the caller agreed, and the call-back plan.

These are records of what happened on the call, never advice: the advice and the call-back
signs are the protocol's, and the nurse says here only what was done with them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from checker.form_fields import SelectChoice

# The action taken. "told" is the final disposition itself, whatever it is: saying it to the
# caller is the nurse's usual action, so the console starts with it chosen (the nurse sees it
# and may pick another). The others are what a nurse may do beyond telling.
TOLD = "told"
OTHER = "other"
ACTIONS = [
    SelectChoice(TOLD, "Told the caller the final disposition and the advice"),
    SelectChoice("connected", "Connected the caller to the doctor (transferred or conferenced)"),
    SelectChoice("called_emergency", "Called {emergency_number} for the patient"),
    SelectChoice(OTHER, "Other: say what in the notes"),
]
# The same, as the note says them after "ACTION:".
ACTION_NOTE = {
    TOLD: "advised as above",
    "connected": "connected the caller to the doctor",
    "called_emergency": "called {emergency_number} for the patient",
    OTHER: "other (see notes)",
}

DISAGREED = "disagreed"
AGREEMENTS = [
    SelectChoice("agreed", "Agreed"),
    SelectChoice(DISAGREED, "Did not agree"),
    SelectChoice("not_asked", "Could not be asked"),
]
AGREEMENT_NOTE = {
    "agreed": "caller agreed",
    DISAGREED: "caller did not agree: {reason}",
    "not_asked": "caller's agreement could not be asked",
}

YES, NO = "yes", "no"
SIGNS = [SelectChoice(YES, "Yes"), SelectChoice(NO, "No")]

NOT_RECORDED = "not recorded"

# The nurse's own call back: a time today, or a date and a time, on the clinic's clock.
CLOCK = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})$")
MOST_DAYS_AHEAD = 7
HOW = ("a time today as HH:MM, for example 16:30, or a date and a time, for example {example}, "
       "on the clinic's clock")
TIME_FORMAT = f"Type {HOW}."
PASSED = "That time has passed. Give a later time, or the date too: for example {example}."
TOO_FAR = (f"A call back is at most {MOST_DAYS_AHEAD} days ahead. Write a later plan in the "
           "notes instead.")


def actions(emergency_number: str) -> list[SelectChoice]:
    """The actions to choose from, with the clinic's emergency number in them."""
    return [SelectChoice(c.value, c.label.replace("{emergency_number}", emergency_number))
            for c in ACTIONS]


def _example(now: datetime, zone: tzinfo | None) -> str:
    """Tomorrow at nine on the clinic's clock, as a call-back time is typed."""
    return (now.astimezone(zone) + timedelta(days=1)).strftime("%Y-%m-%d 09:00")


def call_back_hint(now: datetime, zone: tzinfo | None) -> str:
    """How to type the nurse's call-back time."""
    return f"{HOW[0].upper()}{HOW[1:]}.".format(example=_example(now, zone))


def call_back_time(text: str, now: datetime, zone: tzinfo | None) -> datetime | None:
    """The moment (UTC) of the nurse's call back typed on the clinic's clock; None if empty.

    Raises ValueError with a message for the nurse when it is not a time, has passed, or is
    more than a week ahead.
    """
    text = text.strip()
    if not text:
        return None
    today = now.astimezone(zone)
    example = _example(now, zone)
    match = CLOCK.match(text)
    try:
        if match is None:
            raise ValueError
        day = datetime.strptime(match[1], "%Y-%m-%d").date() if match[1] else today.date()
        wall = datetime(day.year, day.month, day.day, int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(TIME_FORMAT.format(example=example)) from None
    # A naive time is read on the server's clock when the clinic names no zone (clock.py).
    moment = wall.replace(tzinfo=zone) if zone is not None else wall.astimezone()
    if moment <= now:
        raise ValueError(PASSED.format(example=example))
    if moment > now + timedelta(days=MOST_DAYS_AHEAD):
        raise ValueError(TOO_FAR)
    return moment.astimezone(UTC)


def saved_rows(action: str | None, agreement: str | None, reason: str | None,
               signs: bool | None, call_back_at: str | None,
               emergency_number: str) -> list[tuple[str, str]]:
    """The plan of a saved call as the saved-call page lists it: (what, as recorded)."""
    if action is None:  # saved before the plan was recorded
        return [("Action taken, agreement and call-back plan", NOT_RECORDED)]
    words = {c.value: c.label for c in actions(emergency_number) + AGREEMENTS}
    agreed = words.get(agreement or "", agreement or NOT_RECORDED)
    return [
        ("Action taken", words.get(action, action)),
        ("Caller's agreement", f"{agreed}: {reason}" if reason else agreed),
        ("Told when to call back", NOT_RECORDED if signs is None else "Yes" if signs else "No"),
        ("Nurse will call back", call_back_at or "not planned"),
    ]
