"""The clinical policy of protocol 1.2.0 as hand-written ifs: the benchmark's baseline and a
cross-check of the engine, held to `rules.find_release("1.2.0")` (not to the served protocol,
so a new protocol version changes nothing here)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from rules import AnswerError, Protocol, find_release

VERSION = "1.2.0"  # the released protocol whose policy the ifs below write out


def _release(version: str) -> Protocol:
    """The released protocol of this version."""
    protocol = find_release(version)
    if protocol is None:
        raise LookupError(f"protocol {version} is not released")
    return protocol


# Only the wording and the asking order come from the protocol file; every decision is below.
PROTOCOL = _release(VERSION)
_ORDER = {q.id: i for i, q in enumerate(PROTOCOL.questions)}

_YES_NO = frozenset(
    {
        "chest_symptoms",
        "leg_weakness",
        "bladder_bowel",
        "fainted",
        "numbness_tingling",
        "pain_relieved",
        "new_back_pain",
        "drainage",
        "feels_feverish",
        "osteoporosis",
        "blood_thinner",
    }
)
_WHOLE = {"days_since_procedure": (0, 365), "pain_score": (0, 10)}
_CHOICES = {
    "pain_trend": ("better", "same", "worse"),
    "swelling": ("none", "stable", "increasing"),
    "redness": ("none", "small", "spreading"),
    "bleeding": ("none", "spotting", "soaking", "uncontrolled"),
    "headache": ("none", "mild", "severe"),
    "activity": ("unable", "resting", "light", "normal", "strenuous"),
}

_NOT_ANSWERS = "must be an object of answers keyed by question id"
_UNKNOWN_KEY = "is not a question of this protocol"
_NOT_YES_NO = "must be true (yes) or false (no)"
_NOT_TEMPERATURE = 'must be null (not measured) or {"value": number, "unit": "C" or "F"}'
_BAD_UNIT = 'has an unknown unit: use "C" or "F"'
_NOT_A_NUMBER = "must have a number as its value"
_OUT_OF_RANGE = "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"
_TENTH = Decimal("0.1")

# The answers each rule reads, in the order its reason lists them.
_READS = {
    "E1": ("chest_symptoms",),
    "E2": ("leg_weakness",),
    "E3": ("bladder_bowel",),
    "E4": ("fainted",),
    "E5": ("bleeding",),
    "N1": ("numbness_tingling",),
    "N2": ("temperature",),
    "N3": ("drainage",),
    "N4": ("bleeding",),
    "N5": ("headache",),
    "N6": ("pain_score", "pain_relieved"),
    "N7": ("activity",),
    "T1": ("pain_trend",),
    "T2": ("swelling",),
    "T3": ("redness",),
    "T4": ("feels_feverish",),
    "T5": ("headache",),
    "T6": ("new_back_pain",),
    "T7": ("days_since_procedure", "pain_score", "pain_trend"),
}


def _celsius(raw: object) -> tuple[float | None, str | None]:
    """A temperature answer as °C rounded half up to a tenth, or the reason it is invalid."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or raw.keys() != {"value", "unit"}:
        return None, _NOT_TEMPERATURE
    unit, value = raw["unit"], raw["value"]
    if unit != "C" and unit != "F":
        return None, _BAD_UNIT
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, _NOT_A_NUMBER
    if isinstance(value, float) and not math.isfinite(value):
        return None, _NOT_A_NUMBER
    # Far outside any body temperature: reject before Decimal runs out of precision.
    if abs(value) > 1000:
        return None, _OUT_OF_RANGE
    degrees = Decimal(str(value))
    if unit == "F":
        degrees = (degrees - 32) * 5 / 9
    celsius = float(degrees.quantize(_TENTH, rounding=ROUND_HALF_UP))
    if celsius < 34.0 or celsius > 43.0:
        return None, _OUT_OF_RANGE
    return celsius, None


def _validate(answers: object) -> dict[str, Any]:
    """Checked answers (temperature in °C), or AnswerError with one message per bad field."""
    if not isinstance(answers, dict):
        raise AnswerError({"answers": _NOT_ANSWERS})
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in answers.items():
        if key in _YES_NO:
            if value is True or value is False:
                values[key] = value
            else:
                errors[key] = _NOT_YES_NO
        elif key in _CHOICES:
            choices = _CHOICES[key]
            if isinstance(value, str) and value in choices:
                values[key] = value
            else:
                errors[key] = "must be one of: " + ", ".join(choices)
        elif key in _WHOLE:
            low, high = _WHOLE[key]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[key] = value
            else:
                errors[key] = f"must be a whole number from {low} to {high}"
        elif key == "temperature":
            celsius, error = _celsius(value)
            if error:
                errors[key] = error
            else:
                values[key] = celsius
        else:
            errors[str(key)] = _UNKNOWN_KEY
    if errors:
        raise AnswerError(errors)
    return values


def _both(*parts: bool | None) -> bool | None:
    """Three-valued and: False wins, then not yet known, then True."""
    if False in parts:
        return False
    if None in parts:
        return None
    return True


def _at_least(value: int | None, limit: int) -> bool | None:
    """value >= limit, not yet known when the answer is missing."""
    return None if value is None else value >= limit


def _is(value: str | None, choice: str) -> bool | None:
    """A choice answer equals choice, not yet known when the answer is missing."""
    return None if value is None else value == choice


@lru_cache(maxsize=8)
def _wording(emergency_number: str) -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    """Rule explanations, advice texts and call-back lines with the emergency number in."""

    def fill(text: str) -> str:
        return text.replace("{emergency_number}", emergency_number)

    explain = {r.id: fill(r.explain) for r in PROTOCOL.rules}
    advice = {a.id: fill(a.text) for a in PROTOCOL.advice}
    return explain, advice, tuple(fill(line) for line in PROTOCOL.call_back)


def assess(answers: object, protocol: object = None, *, emergency_number: str = "911") -> dict:
    """The assessment of an answer set, built like rules.assess but with plain ifs."""
    v = _validate(answers)
    get = v.get
    pain, days, trend = get("pain_score"), get("days_since_procedure"), get("pain_trend")
    bleeding, headache, activity = get("bleeding"), get("headache"), get("activity")
    # pain_relieved is asked only when pain_score >= 1; N6 needs pain_score >= 8, which implies
    # that, so "not relieved" is simply the answer when given and unknown when not.
    relieved = get("pain_relieved")
    if "temperature" not in v:
        fever = None
    else:
        fever = v["temperature"] is not None and v["temperature"] >= 38.0
    emergency = (
        ("E1", get("chest_symptoms")),
        ("E2", get("leg_weakness")),
        ("E3", get("bladder_bowel")),
        ("E4", get("fainted")),
        ("E5", _is(bleeding, "uncontrolled")),
    )
    now = (
        ("N1", get("numbness_tingling")),
        ("N2", fever),
        ("N3", get("drainage")),
        ("N4", _is(bleeding, "soaking")),
        ("N5", _is(headache, "severe")),
        ("N6", _both(_at_least(pain, 8), None if relieved is None else not relieved)),
        ("N7", _is(activity, "unable")),
    )
    today = (
        ("T1", _is(trend, "worse")),
        ("T2", _is(get("swelling"), "increasing")),
        ("T3", _is(get("redness"), "spreading")),
        ("T4", get("feels_feverish")),
        ("T5", _is(headache, "mild")),
        ("T6", get("new_back_pain")),
        ("T7", _both(_at_least(days, 3), _at_least(pain, 5), _is_not(trend, "better"))),
    )
    if any(hit for _, hit in emergency):
        disposition, above = "emergency", ()
    elif any(hit for _, hit in now):
        disposition, above = "call_doctor_now", emergency
    elif any(hit for _, hit in today):
        disposition, above = "call_doctor_today", emergency + now
    else:
        disposition, above = "self_care", emergency + now + today

    could_raise: set[str] = set()
    for rule, hit in above:
        if hit is None:
            could_raise.update(name for name in _READS[rule] if name not in v)

    explain, advice_text, call_back = _wording(emergency_number)
    reasons = [
        {"rule": rule, "text": explain[rule], "answers": {n: answers[n] for n in _READS[rule]}}
        for rule, hit in emergency + now + today
        if hit is True
    ]
    if disposition == "emergency":
        advice_ids = ["call_911"]
    else:
        advice_ids = _advice(v, disposition, not could_raise)
    return {
        "disposition": disposition,
        "decided": not could_raise,
        "reasons": reasons,
        "advice": [{"id": a, "text": advice_text[a]} for a in advice_ids],
        "call_back_if": [] if disposition == "emergency" else list(call_back),
        "could_raise": sorted(could_raise, key=_ORDER.__getitem__),
        "protocol": dict(PROTOCOL.identity),
    }


def _is_not(value: str | None, choice: str) -> bool | None:
    """A choice answer differs from choice, not yet known when the answer is missing."""
    return None if value is None else value != choice


def _advice(v: dict[str, Any], disposition: str, decided: bool) -> list[str]:
    """Advice ids whose condition surely holds, in the order they are shown."""
    pain = v.get("pain_score")
    in_pain = pain is not None and pain >= 1
    advice = _activity_advice(v.get("days_since_procedure"), v.get("activity"))
    if disposition == "self_care" and decided and in_pain and pain <= 4:
        advice.append("soreness_normal")
    advice += _pain_advice(v, in_pain)
    advice.append("bandage")
    return advice + _later_advice(v)


def _activity_advice(days: int | None, activity: str | None) -> list[str]:
    """Rest on the day of the procedure, then activity little by little."""
    advice = []
    if days == 0:
        advice.append("rest_today")
    if days is not None and days >= 1:
        advice.append("gradual_activity")
        if activity == "resting":
            advice.append("move_around")
    return advice


def _pain_advice(v: dict[str, Any], in_pain: bool) -> list[str]:
    """Ice for pain or swelling; pain relievers as the blood thinner answer allows."""
    swelling, thinner = v.get("swelling"), v.get("blood_thinner")
    advice = []
    if in_pain or (swelling is not None and swelling != "none"):
        advice.append("ice")
    if in_pain and thinner is False:
        advice.append("nsaid")
    if in_pain and thinner is True:
        advice.append("nsaid_caution")
    return advice


def _later_advice(v: dict[str, Any]) -> list[str]:
    """The advice shown after the bandage's: pressure, lifting, bones, a thermometer."""
    advice = []
    if v.get("bleeding") == "spotting":
        advice.append("pressure")
    if v.get("activity") == "strenuous":
        advice.append("avoid_lifting")
    if v.get("osteoporosis") is True:
        advice.append("bone_health")
    if v.get("feels_feverish") is True and "temperature" in v and v["temperature"] is None:
        advice.append("take_temperature")
    return advice


def decide(v: dict[str, Any]) -> str:
    """The disposition alone, for complete checked answers: the minimal if/else of the policy."""
    if (
        v["chest_symptoms"]
        or v["leg_weakness"]
        or v["bladder_bowel"]
        or v["fainted"]
        or v["bleeding"] == "uncontrolled"
    ):
        return "emergency"
    if (
        v["numbness_tingling"]
        or (v["temperature"] or 0.0) >= 38.0  # None: not measured (a reading is 34 to 43)
        or v["drainage"]
        or v["bleeding"] == "soaking"
        or v["headache"] == "severe"
        or (v["pain_score"] >= 8 and v.get("pain_relieved") is False)
        or v["activity"] == "unable"
    ):
        return "call_doctor_now"
    return "call_doctor_today" if _today(v) else "self_care"


def _today(v: dict[str, Any]) -> bool:
    """Whether complete checked answers meet a call-the-doctor-today rule."""
    return (  # every operand is a bool: a yes/no answer or a comparison
        v["pain_trend"] == "worse"
        or v["swelling"] == "increasing"
        or v["redness"] == "spreading"
        or v["feels_feverish"]
        or v["headache"] == "mild"
        or v["new_back_pain"]
        or (v["days_since_procedure"] >= 3 and v["pain_score"] >= 5 and v["pain_trend"] != "better")
    )
