"""The deployment under test: one Redis, one PostgreSQL database and two gunicorn instances."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.faults.processes import Server, children, free_port, serving, wait_until

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
REDIS_SERVER = Path("/usr/bin/redis-server")
GUNICORN = VENV_BIN / "gunicorn"
FLASK = VENV_BIN / "flask"
WORKERS_PER_INSTANCE = 2
CLI_SECONDS = 60
RESTART_SECONDS = 90


def libpq_url(url: str, database: str | None = None) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg's connect() reads it, optionally another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@dataclass
class Postgres:
    """The PostgreSQL server of TEST_DATABASE_URL and the suite's own database on it."""

    server_url: str
    database: str
    data_directory: str = ""
    pg_ctl: str = ""

    @property
    def app_url(self) -> str:
        """The DATABASE_URL the app instances use."""
        return libpq_url(self.server_url, self.database)

    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the default database, as the superuser of the URL."""
        return psycopg.connect(libpq_url(self.server_url), autocommit=True, connect_timeout=10)

    def connect(self) -> psycopg.Connection:
        """A connection to the suite's own database."""
        return psycopg.connect(self.app_url, connect_timeout=10)

    def create(self) -> None:
        """Create the suite's database and find the server's data directory and pg_ctl."""
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
            self.data_directory = str(conn.execute("SHOW data_directory").fetchone()[0])
            version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        own = Path(f"/usr/lib/postgresql/{version // 10000}/bin/pg_ctl")
        self.pg_ctl = str(own) if own.is_file() else (shutil.which("pg_ctl") or "")
        if not self.pg_ctl:
            raise RuntimeError("pg_ctl of the PostgreSQL server was not found")

    def drop(self) -> None:
        """Drop the suite's database, ending any connection still open to it."""
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )

    def _pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on the server's data directory, as the user that owns it."""
        command = [self.pg_ctl, "-D", self.data_directory, *args, "-w", "-t", "60"]
        if os.getuid() == 0:
            # The server refuses to run as root; it belongs to the postgres user.
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=RESTART_SECONDS, cwd="/")

    def others_connected(self) -> list[str]:
        """The databases that sessions other than the suite's own are connected to."""
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT DISTINCT datname FROM pg_stat_activity WHERE backend_type = "
                "'client backend' AND pid <> pg_backend_pid() AND datname <> %s",
                (self.database,),
            )
            return sorted(str(name) for (name,) in rows)

    def stop(self) -> str:
        """Stop the server fast (open connections are cut); returns its start options."""
        # Best effort: refuse to pull the server from under tests that run at the same time.
        others = self.others_connected()
        if others:
            raise RuntimeError(
                f"other sessions use this PostgreSQL server ({', '.join(others)}); the fault "
                "suite stops the server, so run it with a server of its own"
            )
        # Read as pg_ctl restart reads them: the server's command line after its program name.
        line = (Path(self.data_directory) / "postmaster.opts").read_text().strip()
        options = line[line.index(' "') + 1:] if ' "' in line else ""
        self._pg_ctl("stop", "-m", "fast")
        return options

    def start(self, options: str) -> None:
        """Start the server again with the options it had, as pg_ctl restart would."""
        # Its log goes where the test run's own start sent it, never into our pipes.
        log = Path(self.data_directory).parent / "server.log"
        self._pg_ctl("start", "-o", options, "-l", str(log if log.is_file() else os.devnull))

    def wait_until_up(self) -> None:
        """Wait until the restarted server accepts connections again."""
        def up() -> bool:
            try:
                with self.connect() as conn:
                    conn.execute("SELECT 1")
                return True
            except psycopg.OperationalError:
                return False

        wait_until(up, "PostgreSQL accepting connections again")


@dataclass
class Stack:
    """Everything the fault suite started, so teardown can stop it all."""

    workdir: Path
    postgres: Postgres
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    redis_port: int = 0
    servers: list[Server] = field(default_factory=list)
    instances: list[tuple[Server, str]] = field(default_factory=list)

    @property
    def redis_url(self) -> str:
        """The shared Redis of both instances."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def app_env(self) -> dict[str, str]:
        """The environment of the flask CLI and both gunicorn instances."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.postgres.app_url,
            "REDIS_URL": self.redis_url,
            # The limiter reads this today; REDIS_URL will cover it once it is wired in.
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "RECOVERY_CHECK_ENV": "production",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def start_redis(self) -> None:
        """One Redis on a free port of 127.0.0.1, keeping nothing on disk."""
        self.redis_port = free_port()
        redis = Server(
            "redis-server",
            [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(self.redis_port),
             "--save", "", "--appendonly", "no", "--protected-mode", "yes",
             "--dir", str(self.workdir)],
            self.workdir / "redis.log", dict(os.environ), self.workdir,
        )
        self.servers.append(redis)
        redis.wait_for_port(self.redis_port)

    def flask(self, *args: str, stdin: str = "") -> str:
        """Run a flask CLI command of the app and return its output."""
        done = subprocess.run(
            [str(FLASK), "--app", "checker", *args], input=stdin, capture_output=True,
            text=True, env=self.app_env(), cwd=REPO, timeout=CLI_SECONDS,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_gunicorn(self, name: str) -> str:
        """A gunicorn instance of the app with its own port and logs; returns its base URL."""
        port = free_port()
        error_log = self.workdir / f"{name}-error.log"
        access_log = self.workdir / f"{name}-access.log"
        server = Server(
            name,
            # The shipped settings, as a clinic runs them; the flags below override a few.
            [str(GUNICORN), "--config", str(REPO / "deploy" / "gunicorn.conf.py"),
             "--workers", str(WORKERS_PER_INSTANCE),
             "--bind", f"127.0.0.1:{port}", "--timeout", "30", "--graceful-timeout", "5",
             "--error-logfile", str(error_log), "--access-logfile", str(access_log),
             "--capture-output", "checker:create_app()"],
            self.workdir / f"{name}-console.log", self.app_env(), REPO,
        )
        self.servers.append(server)
        server.wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        self.instances.append((server, base))
        return base

    def workers(self, instance: int) -> list[int]:
        """The worker pids of one gunicorn instance."""
        return children(self.instances[instance][0].pid)

    def busy_worker(self, instance: int, seconds: float = 5.0) -> int:
        """A worker of the instance caught serving a request, or any worker after a while."""
        port = int(self.instances[instance][1].rsplit(":", 1)[1])
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            busy = serving(self.workers(instance), port)
            if busy:
                return busy[0]
            time.sleep(0.005)
        return self.workers(instance)[0]

    def wait_for_workers(self, instance: int) -> None:
        """Wait until the instance runs its full count of workers."""
        wait_until(lambda: len(self.workers(instance)) == WORKERS_PER_INSTANCE,
                   f"gunicorn instance {instance} running {WORKERS_PER_INSTANCE} workers")

    def logs(self) -> list[Path]:
        """Every log file the app instances wrote."""
        return sorted(self.workdir.glob("gunicorn-*.log"))

    def error_lines(self, limit: int = 60) -> str:
        """The error lines of the gunicorn logs, to explain a failure."""
        lines = [
            f"{path.name}: {line}" for path in self.logs() if "error" in path.name
            for line in path.read_text(errors="replace").splitlines()
            # Error lines, exception lines, and the app's own frames of each traceback.
            if "ERROR" in line or line[:1].isalpha() or "/checker/" in line
        ]
        return "\n".join(lines[-limit:])

    def stop(self) -> None:
        """Stop every server, newest first."""
        for server in reversed(self.servers):
            server.stop()
