"""The aftercare protocol as verified data: loading, assessing answers, proving safety."""

from rules.engine import assess, fill, validate_answers
from rules.errors import AnswerError, ProtocolError, RulesError
from rules.loader import find_release, load_protocol, parse_protocol, released
from rules.model import Protocol, Question

__all__ = [
    "AnswerError",
    "Protocol",
    "ProtocolError",
    "Question",
    "RulesError",
    "assess",
    "fill",
    "find_release",
    "load_protocol",
    "parse_protocol",
    "released",
    "validate_answers",
]
