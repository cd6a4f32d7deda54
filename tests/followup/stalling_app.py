"""The app for the killed-worker test: a check-in stalls before it is stored while a flag exists."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask

from checker import create_app as make_app
from checker.followup import checkin

STALL_SECONDS = 600


def create_app() -> Flask:
    """The real app, its check-in's store waiting while the file in STALL_FLAG exists."""
    flag = Path(os.environ["STALL_FLAG"])
    store = checkin.store

    def stalling(*args: Any, **kwargs: Any) -> Any:
        """Say the worker got here, then wait as a stalled database would."""
        if flag.exists():
            flag.with_suffix(".reached").write_text(str(os.getpid()))
            time.sleep(STALL_SECONDS)
        return store(*args, **kwargs)

    checkin.store = stalling  # type: ignore[assignment]
    return make_app()
