"""nginx from the shipped example in front of two gunicorn instances on one database."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.conftest import Certificate, browser  # noqa: F401
from tests.faults.processes import PortTaken, Server, free_port
from tests.faults.stack import FLASK, GUNICORN, REPO, Postgres
from tests.nurse.conftest import PASSWORD
from tests.support import require_chromium, require_nginx

EXAMPLE = REPO / "deploy" / "nginx.conf.example"
GUNICORN_CONFIG = REPO / "deploy" / "gunicorn.conf.py"
NURSE = "nora"
CLI_SECONDS = 60
# A port chosen free may be taken before the server binds it; a few tries make that a non-event.
PORT_ATTEMPTS = 3


def render_nginx_config(workdir: Path, port: int, plain_port: int, upstreams: list[int],
                        certificate: Certificate) -> str:
    """The shipped example with this run's ports, certificate and folders put in."""
    user = "root" if os.getuid() == 0 else ""
    replacements = {
        "user www-data;": f"user {user};" if user else "",
        "pid /run/nginx.pid;": f"pid {workdir}/nginx.pid;",
        "/var/log/nginx": str(workdir),
        "/var/lib/nginx": str(workdir),
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{plain_port};",
        "/etc/ssl/certs/recovery-check.pem": str(certificate.cert),
        "/etc/ssl/private/recovery-check.key": str(certificate.key),
        "127.0.0.1:8001": f"127.0.0.1:{upstreams[0]}",
        "127.0.0.1:8002": f"127.0.0.1:{upstreams[1]}",
    }
    text = EXAMPLE.read_text()
    for old, new in replacements.items():
        assert old in text, f"the nginx example no longer has {old!r}"
        text = text.replace(old, new)
    directives = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for system_folder in ("/etc/", "/var/", "/run/"):
        assert system_folder not in directives, f"the nginx config still uses {system_folder}"
    return text


@dataclass
class Deployment:
    """Everything started for the proxy tests, so teardown can stop it all."""

    workdir: Path
    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    servers: list[Server] = field(default_factory=list)
    url: str = ""
    plain_url: str = ""

    def env(self) -> dict[str, str]:
        """The environment of the flask CLI and both gunicorn instances."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
        env.update({
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "RECOVERY_CHECK_ENV": "production",
            "TRUSTED_PROXIES": "1",
            "WEB_CONCURRENCY": "1",
            "PYTHONUNBUFFERED": "1",
        })
        env.pop("REDIS_URL", None)
        env.pop("SESSION_COOKIE_SECURE", None)
        return env

    def flask(self, *args: str, stdin: str = "") -> None:
        """Run a flask CLI command of the app, failing with its output."""
        done = subprocess.run(
            [str(FLASK), "--app", "checker", *args], input=stdin, capture_output=True,
            text=True, env=self.env(), cwd=REPO, timeout=CLI_SECONDS,
        )
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    def start_gunicorn(self, name: str) -> int:
        """A gunicorn instance with the shipped config on a port of its own."""
        def start() -> tuple[Server, int]:
            port = free_port()
            env = {**self.env(), "GUNICORN_BIND": f"127.0.0.1:{port}"}
            return Server(name, [str(GUNICORN), "--config", str(GUNICORN_CONFIG),
                                 "checker:create_app()"],
                          self.workdir / f"{name}.log", env, REPO), port

        return self._listening(start)

    def start_nginx(self, certificate: Certificate, upstreams: list[int]) -> None:
        """nginx in the foreground with the rendered example; everything it writes stays here."""
        def start() -> tuple[Server, int]:
            port, plain_port = free_port(), free_port()
            self.plain_url = f"http://127.0.0.1:{plain_port}"
            config = self.workdir / "nginx.conf"
            config.write_text(render_nginx_config(self.workdir, port, plain_port, upstreams,
                                                  certificate))
            return Server("nginx", [require_nginx(), "-p", str(self.workdir), "-c", str(config),
                                    "-e", str(self.workdir / "error.log"), "-g", "daemon off;"],
                          self.workdir / "nginx-console.log", dict(os.environ),
                          self.workdir), port

        self.url = f"https://127.0.0.1:{self._listening(start)}"

    def _listening(self, start: Callable[[], tuple[Server, int]]) -> int:
        """Start a server and wait for it; on new ports when another process took its own."""
        attempts_left = PORT_ATTEMPTS
        while True:
            server, port = start()
            self.servers.append(server)
            try:
                server.wait_for_port(port)
                return port
            except PortTaken:
                server.stop()
                attempts_left -= 1
                if not attempts_left:
                    raise

    def stop(self) -> None:
        """Stop every server, nginx first."""
        for server in reversed(self.servers):
            server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own on TEST_DATABASE_URL's server, dropped after; else a SQLite file."""
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('deploy-db')}/deploy.db"
        return
    postgres = Postgres(server_url, f"recovery_check_deploy_{secrets.token_hex(4)}")
    postgres.create()
    try:
        yield postgres.app_url
    finally:
        postgres.drop()


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, database_url: str,
               certificate: Certificate) -> Iterator[Deployment]:
    """nginx with the shipped example, two gunicorn instances, the schema and one nurse."""
    require_chromium()
    require_nginx()
    running = Deployment(tmp_path_factory.mktemp("deploy"), database_url)
    try:
        running.flask("db", "upgrade")
        running.flask("nurses", "add", NURSE, stdin=PASSWORD + "\n")
        upstreams = [running.start_gunicorn("gunicorn-a"), running.start_gunicorn("gunicorn-b")]
        running.start_nginx(certificate, upstreams)
        yield running
    finally:
        running.stop()

