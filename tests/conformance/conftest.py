"""The conformance harness's one app and database for the whole run, and its account of it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from checker.extensions import db
from checker.nurse import second_factor
from tests.conformance.checks import SENT
from tests.conformance.forms_registry import SECOND_FACTOR_TIME
from tests.conformance.harness import Harness, make_app
from tests.conformance.run import DRAWN

STARTED = time.monotonic()
# Seconds of this process's processor time per test: the machine is shared, so wall time
# says more about the neighbours than about the harness.
CPU: dict[str, float] = {}


@pytest.fixture(autouse=True)
def processor_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Measure the processor time each test takes."""
    started = time.process_time()
    yield
    name = getattr(request.node, "originalname", request.node.name)
    CPU[name] = CPU.get(name, 0.0) + time.process_time() - started


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The app on a SQLite file of its own, with its schema built by the migrations."""
    folder = tmp_path_factory.mktemp("conformance")
    app = make_app(f"sqlite:///{folder}/conformance.db")
    harness = Harness(app)
    with pytest.MonkeyPatch.context() as patch:
        # Second-factor codes are checked against a clock held still, so none crosses a step.
        patch.setattr(second_factor, "now", lambda: SECOND_FACTOR_TIME)
        yield harness
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many answer sets each surface was held to rules.assess with, and how long it took."""
    if not SENT:
        return
    terminalreporter.section("conformance harness")
    for surface, count in sorted(SENT.items()):
        terminalreporter.write_line(f"{count:>7} answer sets: {surface}")
    for name, count in sorted(DRAWN.items()):
        terminalreporter.write_line(f"{count:>7} answer sets drawn by {name}")
    terminalreporter.write_line(f"{sum(DRAWN.values()):>7} answer sets drawn in all; "
                                f"{time.monotonic() - STARTED:.0f} s, "
                                f"{time.process_time():.0f} s of processor time")
    for name, seconds in sorted(CPU.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:>7.1f} s processor time: {name}")
