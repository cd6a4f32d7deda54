"""Logs that never hold what follows /followup/ in an address: gunicorn's two logs and ours.

Nor a check page's sealed form (?sealed=..., checker/public/sealed.py): shown as [sealed]; nor
the code and state that single sign-on's callback is sent (/nurse/sso/callback?[hidden]).

A patient's code is typed and posted, never put in an address, and the pages after it are
/followup/checkin and /followup/history. Links printed before codes (/followup/<token>) carried
a secret in the address, so every log of ours that can print a path shows /followup/[link]
instead, whatever follows /followup/ (other than those two pages' names), as defence in depth:
gunicorn's access log and its error log ("Error handling request POST /followup/...", on a
worker timeout), Flask's "Exception on /followup/..." and the development server's request log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from gunicorn.glogging import Logger

if TYPE_CHECKING:
    from datetime import timedelta

    from gunicorn.config import Config
    from gunicorn.glogging import _AtomsDict
    from gunicorn.http import Request
    from gunicorn.http.wsgi import Response

# A follow-up address at the start of a path, after a space or quote, or after a host: anything
# after /followup/ (or its %2F form) up to the next /, ? or space, except the fixed pages.
FOLLOWUP_LINK = re.compile(
    r"(?P<before>(?:^|[\s\"'(\[=,]|//[^/\s\"']+)/*)/followup(?:/|%2[fF])"
    r"(?!(?:checkin|history)(?=[/?#\s\"',)\]]|$))[^/?#\s\"',)\]]+",
    re.IGNORECASE)
# The code page itself is only ever posted to; a query on it could only come from elsewhere.
FOLLOWUP_QUERY = re.compile(
    r"(?P<before>(?:^|[\s\"'(\[=,]|//[^/\s\"']+)/*)/followup\?[^\s\"']*", re.IGNORECASE)
HIDDEN = "/followup/[link]"
# A check's page address holds its form sealed (checker/public/sealed.py): unreadable without
# the key, and still never written to a log.
SEALED_QUERY = re.compile(r"(?P<before>[?&]sealed=)[^&#\s\"']+")
# The identity provider sends a nurse back to the single sign-on callback with a one-time code
# and the sign-in's state in the address: shown as [hidden].
SIGN_IN_QUERY = re.compile(r"(?P<before>/nurse/sso/callback\?)[^\s\"']*", re.IGNORECASE)


def without_links(text: str) -> str:
    """A request line, path or message with whatever follows /followup/ replaced."""
    text = FOLLOWUP_LINK.sub(lambda m: m.group("before") + HIDDEN, text)
    text = SEALED_QUERY.sub(lambda m: m.group("before") + "[sealed]", text)
    text = SIGN_IN_QUERY.sub(lambda m: m.group("before") + "[hidden]", text)
    return FOLLOWUP_QUERY.sub(lambda m: m.group("before") + "/followup?[hidden]", text)


class HideLinks(logging.Filter):
    """A logging filter: the message, traceback and stack of a record without follow-up links."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, its text free of follow-up links."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it, with its text as it was
            return True
        hidden = without_links(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_links(record.exc_text)
        if record.stack_info:
            record.stack_info = without_links(record.stack_info)
        return True


HIDE_LINKS = HideLinks()


class AccessLogger(Logger):
    """gunicorn's logger: its access and error logs free of follow-up links."""

    def setup(self, cfg: Config) -> None:
        """Set up both logs as gunicorn does, then filter the error log's every record."""
        super().setup(cfg)
        self.error_log.addFilter(HIDE_LINKS)

    def atoms(self, resp: Response, req: Request, environ: MutableMapping[str, Any],
              request_time: timedelta) -> _AtomsDict:
        """The values an access line is made from, follow-up links hidden in each."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                # The stub's TypedDict names only the fixed atoms; gunicorn adds one more key
                # per request header, response header and environ value ({name}i, {name}o,
                # {name}e), and those must be rewritten too (a Referer can hold a link).
                atoms[key] = without_links(value)  # type: ignore[literal-required]
        return atoms
