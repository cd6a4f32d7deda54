"""Helpers that find the browser and database the slower tests need."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
REDIS_SERVER = "/usr/bin/redis-server"
NGINX = "/usr/sbin/nginx"
NODE = "/usr/bin/node"


def in_ci() -> bool:
    """Tell whether this run is CI, where nothing may be silently skipped."""
    return os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine, but fail in CI so a missing install cannot pass."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error rather than a skip)")
    pytest.skip(reason)


def require_chromium() -> str:
    """Return the path of Debian's Chromium, or skip (fail in CI) when it is missing."""
    if not Path(CHROMIUM).is_file():
        _unavailable(f"{CHROMIUM} is missing: run scripts/test to install it")
    return CHROMIUM


def require_redis() -> str:
    """Return the path of Debian's redis-server, or skip (fail in CI) when it is missing."""
    if not Path(REDIS_SERVER).is_file():
        _unavailable(f"{REDIS_SERVER} is missing: run scripts/test to install it")
    return REDIS_SERVER


def require_nginx() -> str:
    """Return the path of Debian's nginx, or skip (fail in CI) when it is missing."""
    if not Path(NGINX).is_file():
        _unavailable(f"{NGINX} is missing: run scripts/test to install it")
    return NGINX


def require_postgres_url() -> str:
    """Return TEST_DATABASE_URL, or skip (fail in CI) when it is not set."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        _unavailable("TEST_DATABASE_URL is not set: run scripts/test to start PostgreSQL")
    return url


def require_node_packages(folder: Path) -> str:
    """Return the path of Node.js once a folder's npm packages are installed, or skip (fail in
    CI) when either is missing."""
    if not Path(NODE).is_file():
        _unavailable(f"{NODE} is missing: run scripts/test to install Node.js")
    if not (folder / "node_modules").is_dir():
        _unavailable(f"the npm packages of {folder} are missing: run scripts/test (npm ci)")
    return NODE
