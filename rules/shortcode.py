"""A short code that carries a check's answers to a nurse over the phone, stored nowhere.

The answers are numbered in mixed radix from the protocol's own questions (each answer, or
"not answered", is one digit), with the protocol's place among the released versions as the
last digit. Two check characters, the number modulo a prime just under 32 squared, catch every
misread character and every swap of two neighbouring ones in the answers. Written in
Crockford's base 32: no I, L, O or U, so "1", "l" and "I" or "0" and "O" are read the same,
and case, spaces and dashes do not matter.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from rules.answers import to_fahrenheit
from rules.loader import released
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Protocol, Question

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
READ_AS = {**{c: c for c in ALPHABET}, "I": "1", "L": "1", "O": "0"}
CHECK_CHARS = 2
# The largest prime below 32 ** 2: a change of one character, or a swap of two neighbours,
# changes the number by a multiple of a power of 32 (times 31 for a swap), never of this.
CHECK_MODULUS = 1021
MAX_LENGTH = 16
GROUP = 4  # characters read out together
# Room for this many released versions: fixed, so a code stays readable after a new release.
VERSION_SLOTS = 16
HUNDREDTHS = 100


class CodeError(ValueError):
    """A code that cannot be read, or answers that cannot be put in one."""


def _temperatures(question: Question) -> list[tuple[int, str]]:
    """Every reading a code can hold, in hundredths of a degree, °C then °F."""
    low, high = question.bounds
    readings = [(n, "C") for n in range(round(low * HUNDREDTHS), round(high * HUNDREDTHS) + 1)]
    low_f, high_f = (round(to_fahrenheit(t) * HUNDREDTHS) for t in (low, high))
    return readings + [(n, "F") for n in range(low_f, high_f + 1)]


def _values(question: Question) -> list[Any]:
    """A question's possible answers in a fixed order; the code's digit is a place in it."""
    if question.type == YES_NO:
        return [False, True]
    if question.type == CHOICE:
        return [c.id for c in question.choices]
    if question.type == INTEGER:
        low, high = question.bounds
        return list(range(int(low), int(high) + 1))
    if question.type == TEMPERATURE:
        return [None, *_temperatures(question)]
    raise CodeError(f"question {question.id} has a type a code cannot hold")


@lru_cache(maxsize=32)
def _answers(protocol: Protocol) -> dict[str, tuple[tuple[Any, ...], dict[Any, int]]]:
    """Each question's possible answers and each answer's place (1 and up), made once."""
    made = {}
    for question in protocol.questions:
        values = tuple(_values(question))
        made[question.id] = (values, {value: i + 1 for i, value in enumerate(values)})
    return made


def _digit(protocol: Protocol, question: Question, answers: dict[str, Any]) -> int:
    """An answer's place (1 and up), or 0 for not answered."""
    if question.id not in answers:
        return 0
    value = answers[question.id]
    if question.type == TEMPERATURE and value is not None:
        hundredths = Decimal(str(value["value"])) * HUNDREDTHS
        if hundredths != hundredths.to_integral_value():
            raise CodeError(f"{question.id} has more than two decimals")
        value = (int(hundredths), value["unit"])
    try:
        return _answers(protocol)[question.id][1][value]
    except (KeyError, TypeError):
        raise CodeError(f"{question.id} has an answer outside the protocol") from None


def _check(protocol: Protocol, number: int) -> str:
    """The check characters of a code's number, bound to the protocol it was made with."""
    salt = int(protocol.sha256[:8], 16)
    return _text((number + salt) % CHECK_MODULUS, CHECK_CHARS)


def _text(number: int, length: int) -> str:
    """A number as base-32 characters, zero-padded to a length."""
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    if number:
        raise CodeError("the answers do not fit in a short code")
    return "".join(reversed(chars))


@lru_cache(maxsize=32)
def _length(protocol: Protocol) -> int:
    """How many characters a protocol's codes have, check characters included."""
    space = VERSION_SLOTS
    for values, _ in _answers(protocol).values():
        space *= len(values) + 1
    body = 1
    while len(ALPHABET) ** body < space:
        body += 1
    return body + CHECK_CHARS


def encode(protocol: Protocol, answers: dict[str, Any]) -> str:
    """The code of a set of answers, grouped for reading aloud: 7K2M 9QXA 1B4C."""
    versions = released()
    place = next((i for i, p in enumerate(versions) if p.sha256 == protocol.sha256), None)
    if place is None or place >= VERSION_SLOTS:
        raise CodeError("only a released protocol's answers can be coded")
    number = 0
    for question in reversed(protocol.questions):
        size = len(_answers(protocol)[question.id][0]) + 1
        number = number * size + _digit(protocol, question, answers)
    number = number * VERSION_SLOTS + place
    code = _text(number, _length(protocol) - CHECK_CHARS) + _check(protocol, number)
    return " ".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def decode(code: str) -> tuple[Protocol, dict[str, Any]]:
    """The protocol and answers a code holds; CodeError if it was misread."""
    cleaned = "".join(c for c in code.upper() if c not in " -")
    if not cleaned or len(cleaned) > MAX_LENGTH or any(c not in READ_AS for c in cleaned):
        raise CodeError("a code has up to 16 letters and digits")
    cleaned = "".join(READ_AS[c] for c in cleaned)
    body, check = cleaned[:-CHECK_CHARS], cleaned[-CHECK_CHARS:]
    number = 0
    for char in body:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    versions = released()
    whole = number
    number, place = divmod(number, VERSION_SLOTS)
    if not body or place >= len(versions):
        raise CodeError("the code does not check out")
    protocol = versions[place]
    if len(cleaned) != _length(protocol) or _check(protocol, whole) != check:
        raise CodeError("the code does not check out")
    answers: dict[str, Any] = {}
    for question in protocol.questions:
        values = _answers(protocol)[question.id][0]
        number, digit = divmod(number, len(values) + 1)
        if digit:
            value = values[digit - 1]
            if question.type == TEMPERATURE and value is not None:
                value = {"value": float(Decimal(value[0]) / HUNDREDTHS), "unit": value[1]}
            answers[question.id] = value
    if number:
        raise CodeError("the code does not check out")
    return protocol, answers
