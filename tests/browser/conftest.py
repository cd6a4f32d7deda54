"""Fixtures for browser tests: Debian's Chromium, a live server and an axe checker."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from checker import create_app
from tests.support import require_chromium

# Keep Chromium headless and quiet: no sandbox (CI runs as root), no GPU, and no calls home,
# because the only network a test may touch is the live server on 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class LiveServer:
    """A running copy of the app and the address it answers on."""

    url: str
    app: Flask


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Start Debian's Chromium once for the whole session."""
    executable = require_chromium()
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def live_app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Give the live server's app config; a sub-folder conftest may override this fixture."""
    tmp = tmp_path_factory.mktemp("live")
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/browser.db",
        # Browser tests submit real forms, so they exercise the CSRF tokens too.
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture(scope="session")
def live_server(live_app_config: dict[str, Any]) -> Iterator[LiveServer]:
    """Serve the app on a free port of 127.0.0.1 from a background thread."""
    app = create_app(live_app_config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Open a fresh desktop-sized page in its own context, so no cookies leak between tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    """Return a checker that runs axe-core (bundled, so offline) on a page."""
    runner = Axe()

    def check(page: Page) -> list[dict[str, Any]]:
        """List the axe violations on the page as it is now."""
        return runner.run(page).response["violations"]

    return check
