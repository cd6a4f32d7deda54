"""The app with one piece of speed machinery replaced by the plain way, for the benchmarks.

`python -m bench.api --plain hooks|engine` serves one of these under gunicorn beside the app as
shipped; `python -m bench.machinery` calls them in process.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

import checker.api as api
import checker.api.views as api_views
from checker import create_app
from rules.engine import assess_interpreted


def interpreted(answers: Any, protocol: Any, *, emergency_number: str) -> dict[str, Any]:
    """rules.assess without the compiled path: the plain engine."""
    return assess_interpreted(answers, protocol, emergency_number=emergency_number)


def app_without_hook_skipping(config: dict[str, Any] | None = None) -> Flask:
    """The app with every app-wide hook run on the API's requests too."""
    skip = api.skip_unused_hooks
    api.skip_unused_hooks = lambda app, blueprint: None
    try:
        return create_app(config)
    finally:
        api.skip_unused_hooks = skip


def app_with_interpreted_engine(config: dict[str, Any] | None = None) -> Flask:
    """The app with the API assessing through the interpreted engine (in this whole process)."""
    api_views.assess = interpreted  # type: ignore[assignment]
    return create_app(config)


def replay_without_compiled_decision() -> None:
    """`flask --app checker encounters replay ARGS` deciding each call with the engine's checks
    and evaluation alone, the replay's own fallback (the plain way), instead of
    rules.partial.compiled_decision. Run as
    `python -c "import bench.plain_apps as p; p.replay_without_compiled_decision()" ARGS`."""
    import sys

    from flask.cli import main

    import checker.nurse.replay as replay

    replay.compiled_decision = lambda protocol: lambda answers: None  # type: ignore[assignment]
    sys.argv = ["flask", "--app", "checker", "encounters", "replay", *sys.argv[1:]]
    main()
