"""The one exception family of the rules package."""

from __future__ import annotations


class RulesError(Exception):
    """Base of every error the rules package raises."""


class ProtocolError(RulesError):
    """A protocol file that cannot be loaded, naming the file, the item and the field."""

    def __init__(self, file: str, item: str, field: str, message: str) -> None:
        self.file = file
        self.item = item
        self.field = field
        self.message = message
        super().__init__(f"{file}: {item}: field '{field}': {message}")

    def as_dict(self) -> dict[str, str]:
        """The error as plain data, for JSON output."""
        return {
            "error": type(self).__name__,
            "file": self.file,
            "item": self.item,
            "field": self.field,
            "message": self.message,
        }


class SchemaError(ProtocolError):
    """A field that is missing, of the wrong type, or not allowed."""


class DuplicateIdError(ProtocolError):
    """Two items of the same kind share an id."""


class UnknownQuestionError(ProtocolError):
    """A condition reads a question the protocol does not have."""


class BadOperatorError(ProtocolError):
    """A condition uses an operator that does not exist or does not fit the question."""


class ImpossibleValueError(ProtocolError):
    """A condition compares with a value the question can never take."""


class PlaceholderError(SchemaError):
    """A threshold placeholder that names no single number a rule compares a question with."""


class MissingSourceError(ProtocolError):
    """A rule or advice item without a valid source."""


class AnswerError(RulesError):
    """An answer set that is not valid: one message per bad field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))
