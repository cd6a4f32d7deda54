"""Settings shared by every test; feature folders add their own fixtures."""

import os

import pytest

from tests.support import CHROMIUM, NGINX, in_ci, require_chromium, require_postgres_url


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which slow resources this run has, so a skip is never a surprise."""
    chromium = CHROMIUM if os.path.isfile(CHROMIUM) else "missing"
    nginx = NGINX if os.path.isfile(NGINX) else "missing"
    postgres = "set" if os.environ.get("TEST_DATABASE_URL") else "not set"
    return [f"CI: {in_ci()}, chromium: {chromium}, nginx: {nginx}, "
            f"TEST_DATABASE_URL: {postgres}"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Check a marked test's resource first, so a missing one skips it (or fails it in CI)."""
    if item.get_closest_marker("browser"):
        require_chromium()
    if item.get_closest_marker("postgres"):
        require_postgres_url()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory):
    """One throwaway certificate for the whole run: the live server's and nginx's alike."""
    from tests.browser.conftest import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))
