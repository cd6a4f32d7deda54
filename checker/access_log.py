"""gunicorn's access log with each patient's follow-up link left out of the request line.

A follow-up link (/followup/<token>) opens a patient's check-ins once the year of birth is
given, so it is kept out of logs as a password would be.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# A path that starts with /followup/, as it stands in a request line after the method.
FOLLOWUP_LINK = re.compile(r"(?<!\S)/followup/[^/?\s]+")
HIDDEN = "/followup/[link]"


def without_links(text: str) -> str:
    """A request line or path with any follow-up link token replaced."""
    return FOLLOWUP_LINK.sub(HIDDEN, text)


class AccessLogger(Logger):
    """gunicorn's logger, its request line and path free of follow-up link tokens."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        """The values an access line is made from, follow-up links hidden."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = without_links(atoms[key])
        return atoms
