"""Single sign-on against a real OpenID Connect provider, as deployed.

panva's oidc-provider (tests/sso/provider) runs on Node.js over HTTPS with the run's throwaway
certificate; the app runs as two gunicorn instances behind the shipped nginx example, sharing
one Redis and one database, with local sign-in turned off. The app trusts the provider through
OIDC_CA_BUNDLE, and the provider trusts the app (for back-channel logout) through Node's
NODE_EXTRA_CA_CERTS: the same certificate, a clinic's own CA in small.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.conftest import Certificate, browser, page  # noqa: F401
from tests.deploy.conftest import Deployment, database_url  # noqa: F401
from tests.faults.processes import Server, free_port
from tests.nurse.conftest import migrated_sqlite  # noqa: F401
from tests.nurse.test_redis import RedisServer
from tests.support import require_chromium, require_nginx, require_node_packages

PROVIDER_FOLDER = Path(__file__).resolve().parent / "provider"
ACCOUNTS = json.loads((PROVIDER_FOLDER / "accounts.json").read_text())
CLIENT_ID = "recovery-check"
NURSE_ROLE, ADMIN_ROLE = "triage-nurse", "recovery-check-admin"


@dataclass
class SingleSignOn(Deployment):
    """The deployment, with the provider and the settings that point the app at it."""

    settings: dict[str, str] = field(default_factory=dict)
    issuer: str = ""
    instances: list[int] = field(default_factory=list)  # the gunicorn instances' own ports
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def env(self) -> dict[str, str]:
        """The deployment's environment with Redis and single sign-on's settings."""
        return {**super().env(), **self.settings}

    def start_provider(self, certificate: Certificate, port: int) -> None:
        """The provider on its port, with the app (behind nginx) registered as its client."""
        env = {**os.environ, "PROVIDER_PORT": str(port), "PROVIDER_CERT": str(certificate.cert),
               "PROVIDER_KEY": str(certificate.key), "APP_URL": self.url,
               "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": self.client_secret,
               "NODE_EXTRA_CA_CERTS": str(certificate.cert)}
        provider = Server("provider", [require_node_packages(PROVIDER_FOLDER), "provider.mjs"],
                          self.workdir / "provider.log", env, PROVIDER_FOLDER)
        self.servers.append(provider)
        provider.wait_for_port(port)


@pytest.fixture(scope="session")
def single_sign_on(tmp_path_factory: pytest.TempPathFactory, database_url: str,  # noqa: F811
                   certificate: Certificate) -> Iterator[SingleSignOn]:
    """The provider, and the app on two instances behind nginx signing in through it only."""
    require_chromium()
    require_nginx()
    require_node_packages(PROVIDER_FOLDER)
    redis = RedisServer()
    redis.start()
    # The provider starts last, once nginx's address is known, on a port chosen now.
    port = free_port()
    running = SingleSignOn(tmp_path_factory.mktemp("sso"), database_url,
                           issuer=f"https://127.0.0.1:{port}")
    running.settings = {
        "REDIS_URL": redis.url, "OIDC_ISSUER": running.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": running.client_secret, "OIDC_SCOPES": "openid profile email roles",
        "OIDC_NURSE_ROLES": NURSE_ROLE, "OIDC_ADMIN_ROLES": ADMIN_ROLE,
        "OIDC_CA_BUNDLE": str(certificate.cert), "LOCAL_SIGN_IN": "off",
    }
    try:
        running.flask("db", "upgrade")
        running.instances = [running.start_gunicorn("gunicorn-a"),
                             running.start_gunicorn("gunicorn-b")]
        running.start_nginx(certificate, running.instances)
        running.start_provider(certificate, port)
        yield running
    finally:
        running.stop()
        redis.stop()
