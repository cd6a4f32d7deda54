"""Fixtures for browser tests: Debian's Chromium, a live HTTPS server and an axe checker."""

import base64
import hashlib
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
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


OPENSSL = "/usr/bin/openssl"
CERTIFICATE_SECONDS = 60


@dataclass(frozen=True)
class Certificate:
    """A throwaway self-signed certificate for 127.0.0.1 and its private key (PEM files)."""

    cert: Path
    key: Path


def spki_hash(certificate: Certificate) -> str:
    """The base64 sha256 of the certificate's public key, as Chromium's trust flag takes it."""
    key = subprocess.run([OPENSSL, "x509", "-in", str(certificate.cert), "-pubkey", "-noout"],
                         check=True, capture_output=True, timeout=CERTIFICATE_SECONDS).stdout
    der = subprocess.run([OPENSSL, "pkey", "-pubin", "-outform", "der"], input=key,
                         check=True, capture_output=True, timeout=CERTIFICATE_SECONDS).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def make_certificate(directory: Path) -> Certificate:
    """Make a self-signed certificate for 127.0.0.1 and localhost, valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=CERTIFICATE_SECONDS,
    )
    return Certificate(cert=cert, key=key)


class HttpsBrowser:
    """Chromium whose new contexts and pages accept the test run's self-signed certificate."""

    def __init__(self, browser: Browser) -> None:
        """Wrap a launched browser."""
        self._browser = browser

    def new_context(self, **options: Any) -> BrowserContext:
        """A new context that trusts the throwaway certificate (and only skips that check)."""
        return self._browser.new_context(**{"ignore_https_errors": True, **options})

    def new_page(self, **options: Any) -> Page:
        """A new page in a context of its own that trusts the throwaway certificate."""
        return self._browser.new_page(**{"ignore_https_errors": True, **options})

    def __getattr__(self, name: str) -> Any:
        """Everything else as the browser itself does it."""
        return getattr(self._browser, name)


@dataclass(frozen=True)
class LiveServer:
    """A running copy of the app and the address it answers on."""

    url: str
    app: Flask


# One Chromium for the whole run: Playwright's sync API cannot start twice in one thread, and
# other test folders (tests/deploy) use this fixture too.
_CHROMIUM = pytest.StashKey[HttpsBrowser]()


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest, certificate: Certificate) -> HttpsBrowser:
    """Start Debian's Chromium once for the run, trusting the run's one certificate."""
    config = request.config
    if _CHROMIUM not in config.stash:
        executable = require_chromium()
        playwright = sync_playwright().start()
        config.add_cleanup(playwright.stop)  # cleanups run last first: Chromium, then this
        # Trusted, not merely ignored: Chromium keeps no page of a host whose certificate it
        # refuses, so Back would not work as it does for a patient on a real certificate.
        trust = f"--ignore-certificate-errors-spki-list={spki_hash(certificate)}"
        chromium = playwright.chromium.launch(executable_path=executable,
                                              args=[*CHROMIUM_ARGS, trust])
        config.add_cleanup(chromium.close)
        config.stash[_CHROMIUM] = HttpsBrowser(chromium)
    return config.stash[_CHROMIUM]




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
def live_server(
    live_app_config: dict[str, Any], certificate: Certificate
) -> Iterator[LiveServer]:
    """Serve the app over HTTPS, as deployed, on a free port of 127.0.0.1 from a thread."""
    app = create_app(live_app_config)
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         ssl_context=(str(certificate.cert), str(certificate.key)))
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"https://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: HttpsBrowser) -> Iterator[Page]:
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
