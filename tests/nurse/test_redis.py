"""Several app instances share the sign-in limit and the sessions through one Redis."""

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from checker.extensions import db, limiter
from checker.nurse.sessions import REDIS_PREFIX, RedisSessionInterface
from tests.nurse.conftest import PASSWORD, add_nurse, call_data, make_app, sign_in
from tests.nurse.test_outage import break_database, copy_session
from tests.support import require_redis

START_SECONDS = 10


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 that keeps nothing on disk, stopped at will."""

    def __init__(self) -> None:
        """Choose the program and a free port; nothing runs yet."""
        self.program = require_redis()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        with redis.Redis.from_url(self.url) as client:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        raise
                    time.sleep(0.05)

    def stop(self) -> None:
        """Kill the server, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=START_SECONDS)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A running Redis, killed after the test."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The address of the test's Redis."""
    return redis_server.url


def dispose(*apps: Flask) -> None:
    """Close the database connections of extra app instances."""
    for each in apps:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def instances(app: Flask, redis_url: str) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on the test's database and one Redis, as behind a load balancer."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = make_app(url, REDIS_URL=redis_url), make_app(url, REDIS_URL=redis_url)
    add_nurse(first)
    yield first, second
    dispose(first, second)


def session_keys(url: str) -> list[bytes]:
    """The sessions stored in Redis."""
    with redis.Redis.from_url(url) as client:
        return client.keys(REDIS_PREFIX + "*")


def test_two_instances_share_the_sign_in_limit(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, _ = instances
    codes = [sign_in(first.test_client(), password="wrong").status_code for _ in range(10)]
    assert codes == [401] * 10
    # A new instance starts with empty in-memory counts; only Redis remembers the ten tries.
    third = make_app(first.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url)
    assert sign_in(third.test_client()).status_code == 429
    dispose(third)
    assert sign_in(first.test_client()).status_code == 429
    with redis.Redis.from_url(redis_url) as client:
        assert client.keys("LIMITS*")


def test_without_redis_a_new_instance_counts_on_its_own(database_url: str) -> None:
    app = make_app(database_url)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(app.session_interface) is not RedisSessionInterface
    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    assert type(limiter.storage).__name__ == "MemoryStorage"
    dispose(app)


def test_a_session_made_on_one_instance_is_known_on_the_other(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, second = instances
    on_first = first.test_client()
    assert sign_in(on_first).status_code == 302
    name = first.config["SESSION_COOKIE_NAME"]
    cookie = on_first.get_cookie(name).value
    on_second = second.test_client()
    on_second.set_cookie(name, cookie)
    assert on_second.get("/nurse/encounters").status_code == 200
    assert len(session_keys(redis_url)) == 1


def test_signing_out_on_one_instance_is_refused_on_the_other(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, second = instances
    on_first = first.test_client()
    sign_in(on_first)
    name = first.config["SESSION_COOKIE_NAME"]
    on_second = second.test_client()
    on_second.set_cookie(name, on_first.get_cookie(name).value)
    assert on_second.get("/nurse/").status_code == 200
    assert on_first.post("/nurse/logout").status_code == 302
    response = on_second.get("/nurse/encounters")
    assert response.status_code == 302
    assert response.location.startswith("/nurse/login")


def test_the_cookie_carries_only_a_signed_random_id(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, _ = instances
    client = first.test_client()
    sign_in(client)
    name = first.config["SESSION_COOKIE_NAME"]
    sid, signature = client.get_cookie(name).value.rsplit(".", 1)
    assert [key.decode() for key in session_keys(redis_url)] == [REDIS_PREFIX + sid]
    assert "ann" not in sid and len(sid) >= 40
    client.set_cookie(name, sid + "x." + signature)  # a forged id opens nothing
    assert client.get("/nurse/").status_code == 302


def test_the_session_lives_in_redis_and_ends_with_it(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, _ = instances
    client = first.test_client()
    sign_in(client)
    assert client.get("/nurse/").status_code == 200
    with redis.Redis.from_url(redis_url) as store:
        store.delete(*session_keys(redis_url))
    assert client.get("/nurse/").status_code == 302


def test_sign_in_gives_a_new_session_id_and_sign_out_deletes_it(
    instances: tuple[Flask, Flask], redis_url: str
) -> None:
    first, _ = instances
    client = first.test_client()
    with client.session_transaction() as session:
        session["csrf_token"] = "made by the sign-in page"  # a session before sign-in
    before = set(session_keys(redis_url))
    assert len(before) == 1
    sign_in(client)
    after = set(session_keys(redis_url))
    assert len(after) == 1 and after != before
    client.post("/nurse/logout")
    assert not set(session_keys(redis_url)) & after  # only the "signed out" message is left


def test_the_session_cookie_is_secure_over_https(instances: tuple[Flask, Flask]) -> None:
    first, _ = instances
    response = first.test_client().post("/nurse/login", base_url="https://localhost",
                                        data={"username": "ann", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = sign_in(first.test_client()).headers["Set-Cookie"]
    assert "Secure" not in plain


def test_sign_in_and_the_patient_form_keep_working_while_redis_is_down(
    instances: tuple[Flask, Flask], redis_server: RedisServer
) -> None:
    first, _ = instances
    client = first.test_client()
    redis_server.stop()
    assert client.get("/").status_code == 200
    assert sign_in(client).status_code == 302
    assert client.get("/nurse/").status_code == 200
    assert client.post("/nurse/logout").status_code == 302
    assert client.get("/nurse/").status_code == 302
    redis_server.start()
    assert sign_in(client).status_code == 302
    assert client.get("/nurse/").status_code == 200
    assert len(session_keys(redis_server.url)) == 1  # the session moved back into Redis


def test_the_consoles_sign_in_block_counts_in_the_shared_limit(
    instances: tuple[Flask, Flask],
) -> None:
    first, second = instances
    for _ in range(10):
        sign_in(first.test_client(), password="wrong")
    again = call_data("", **{"sign_in-username": "ann", "sign_in-password": PASSWORD})
    response = second.test_client().post("/nurse/call", data=again)
    assert response.status_code == 429
    assert 'value="Harriet Quimby"' in response.get_data(as_text=True)


def test_a_password_changed_on_one_instance_ends_the_session_on_the_other_through_an_outage(
    instances: tuple[Flask, Flask], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = instances
    on_first = first.test_client()
    sign_in(on_first)
    on_second = copy_session(on_first, second)
    assert on_second.get("/nurse/").status_code == 200
    result = first.test_cli_runner().invoke(args=["nurses", "disable", "ann"])
    assert result.exit_code == 0, result.output
    break_database(second, tmp_path, monkeypatch)

    response = on_second.get("/nurse/")
    assert response.status_code == 302 and response.location.startswith("/nurse/login")


def test_a_session_read_on_one_instance_is_vouched_for_on_the_other_through_an_outage(
    instances: tuple[Flask, Flask], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = instances
    on_first = first.test_client()
    sign_in(on_first)
    assert on_first.get("/nurse/").status_code == 200  # the first instance read the version
    on_second = copy_session(on_first, second)
    break_database(second, tmp_path, monkeypatch)

    assert on_second.get("/nurse/").status_code == 200
