"""The aftercare protocol as verified data: loading, assessing answers, proving safety."""

from rules.engine import assess, fill, validate_answers
from rules.errors import AnswerError, ProtocolError, RulesError
from rules.loader import load_protocol, parse_protocol
from rules.model import Protocol, Question

__all__ = [
    "AnswerError",
    "Protocol",
    "ProtocolError",
    "Question",
    "RulesError",
    "assess",
    "fill",
    "load_protocol",
    "parse_protocol",
    "validate_answers",
]
