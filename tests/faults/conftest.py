"""The fault suite's deployment, started once per run and always stopped, and its report."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.stack import GUNICORN, REDIS_SERVER, Postgres, Stack
from tests.nurse.conftest import PASSWORD
from tests.support import _unavailable, require_postgres_url

NURSES = ("nora", "nils", "noor", "ned")
REPORT = pytest.StashKey[list[str]]()


def require_executable(path: Path, hint: str) -> None:
    """Skip (fail in CI) when a server the suite starts is not installed."""
    if not path.is_file():
        _unavailable(f"{path} is missing: {hint}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis, a database of its own, the schema, nurses and two gunicorn instances."""
    server_url = require_postgres_url()
    require_executable(REDIS_SERVER, "install Debian's redis-server (scripts/test does)")
    require_executable(GUNICORN, "install requirements.txt into .venv")
    workdir = tmp_path_factory.mktemp("faults")
    postgres = Postgres(server_url, f"recovery_check_faults_{secrets.token_hex(4)}")
    running = Stack(workdir, postgres)
    created = False
    try:
        postgres.create()
        created = True
        running.start_redis()
        running.flask("db", "upgrade")
        for name in NURSES:
            running.flask("nurses", "add", name, stdin=PASSWORD + "\n")
        running.start_gunicorn("gunicorn-a")
        running.start_gunicorn("gunicorn-b")
        yield running
    finally:
        running.stop()
        if created:
            postgres.drop()


@pytest.fixture
def report(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Record a test's numbers: a JSON file, a junit property and a line in the summary."""
    def write(title: str, numbers: dict[str, Any]) -> Path:
        path = tmp_path / "numbers.json"
        path.write_text(json.dumps(numbers, indent=2, sort_keys=True))
        for name, value in numbers.items():
            request.node.user_properties.append((name, value))
        line = ", ".join(f"{name} {value}" for name, value in numbers.items())
        request.config.stash.setdefault(REPORT, []).append(f"{title}: {line} ({path})")
        return path

    return write


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the measured numbers whether or not output capture is on."""
    lines = terminalreporter.config.stash.get(REPORT, [])
    if lines:
        terminalreporter.section("fault suite numbers")
        for line in lines:
            terminalreporter.write_line(line)
