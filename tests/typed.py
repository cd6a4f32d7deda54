"""How a privacy test tells whether a log holds something a person typed."""

import re


def typed_in(fragment: str, logged: str) -> bool:
    """Whether the log holds what was typed; a number only counts standing alone."""
    if not re.fullmatch(r"[\d.]+", fragment):
        return fragment in logged
    # "1933" typed as a year is a leak; "cached since 0.1933s" and "0x7f21933a" are not.
    return re.search(rf"(?<![\w.]){re.escape(fragment)}(?!\.?\d)", logged) is not None
