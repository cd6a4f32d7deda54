"""What a proof reports for one safety property."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Finding:
    """One property's outcome: how many cases it checked, and a counterexample if it failed."""

    number: int
    name: str
    cases: int = 0
    failure: str = ""
    counterexample: Any = None
    # For a failed monotonicity check: the same answers with the one answer made more severe.
    more_severe: Any = None

    @property
    def holds(self) -> bool:
        """Whether the property was proved."""
        return not self.failure
