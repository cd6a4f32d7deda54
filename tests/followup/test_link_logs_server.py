"""Over gunicorn behind nginx: a worker timed out or killed mid check-in leaves no code in a log."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import Enrolment, new_token, token_hash
from checker.nurse.models import Nurse
from tests.browser.conftest import make_certificate
from tests.checker.check_pages import Page, press, walk
from tests.deploy.conftest import GUNICORN_CONFIG, NURSE, Deployment
from tests.faults.processes import Server, free_port, wait_until
from tests.faults.stack import GUNICORN, REPO
from tests.followup.conftest import BIRTH_YEAR, enrol
from tests.followup.test_link_logs import TYPED, RealClient
from tests.nurse.conftest import PASSWORD, make_app
from tests.nurse.test_log_privacy import Browser, NoRedirect
from tests.support import require_nginx

# gunicorn gives up on a worker after this many seconds (the shipped file's least is 12).
WORKER_TIMEOUT = 3
STALL_WAIT = 30


@dataclass
class Stack:
    """nginx in front of one gunicorn instance whose check-ins stall on demand."""

    deployment: Deployment
    gunicorn: Server
    gunicorn_url: str
    flag: Path

    def logs(self) -> dict[str, str]:
        """Every log the stack wrote: gunicorn's two, nginx's access and error logs."""
        folder = self.deployment.workdir
        files = [self.gunicorn.log, folder / "error.log", folder / "recovery-check.access.log",
                 folder / "nginx-console.log"]
        return {f.name: f.read_text(errors="replace") for f in files if f.exists()}


class StackBrowser(Browser):
    """A browser of the stack: its own cookies, the throwaway certificate, a Referer as sent."""

    def __init__(self, base: str) -> None:
        """A browser with an empty cookie jar."""
        super().__init__(base)
        unchecked = ssl.create_default_context()
        unchecked.check_hostname = False
        unchecked.verify_mode = ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=unchecked),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        # Flask-WTF checks over HTTPS that a form came from this site, as browsers say.
        self.opener.addheaders = [("Referer", f"{base}/followup")]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The stack on a SQLite file, with the schema and one nurse."""
    require_nginx()
    deployment = Deployment(tmp_path, f"sqlite:///{tmp_path}/app.db")
    try:
        deployment.flask("db", "upgrade")
        deployment.flask("nurses", "add", NURSE, stdin=PASSWORD + "\n")
        flag, port = tmp_path / "stall", free_port()
        env = {**deployment.env(), "GUNICORN_BIND": f"127.0.0.1:{port}",
               "STALL_FLAG": str(flag)}
        gunicorn = Server("gunicorn", [
            str(GUNICORN), "--config", str(GUNICORN_CONFIG), "--timeout", str(WORKER_TIMEOUT),
            "tests.followup.stalling_app:create_app()"], tmp_path / "gunicorn.log", env, REPO)
        deployment.servers.append(gunicorn)
        gunicorn.wait_for_port(port)
        deployment.start_nginx(make_certificate(tmp_path), [port, port])
        yield Stack(deployment, gunicorn, f"http://127.0.0.1:{port}", flag)
    finally:
        deployment.stop()


def _patients(stack: Stack) -> tuple[str, str]:
    """A follow-up with a code and one enrolled before codes: the code and the old token."""
    app = make_app(stack.deployment.database_url, SECRET_KEY=stack.deployment.secret_key)
    _, code = enrol(app, by=NURSE, procedure_date=date.today() - timedelta(days=2))
    token = new_token()
    with app.app_context():
        nurse = db.session.scalar(select(Nurse).filter_by(username=NURSE))
        db.session.add(Enrolment(
            token_hash=token_hash(token), nurse_id=nurse.id, nurse_name=NURSE,
            patient_name="Olive Oldlink", date_of_birth=date(1941, 5, 11), record_number="M-1",
            procedure_type="kyphoplasty", procedure_date=date.today() - timedelta(days=2),
            phone="555 0100", email="", language="en", follow_days=28, consent_note="Agreed."))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return code, token


def _open(browser: Browser, page: str, **fields: str) -> int:
    """Open the code page, then post it with its form token, as a patient's browser does."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.open(page)[1])
    assert match, "the code page has no form token"
    return browser.open("/followup", {"csrf_token": match.group(1), **fields})[0]


def _review(client: RealClient) -> Page:
    """Today's check-in answered up to "Check your answers"."""
    from tests.checker.samples import form_answers

    review, _ = walk(client, {**form_answers("call_doctor_today"), **TYPED},  # type: ignore
                     path="/followup/checkin")
    assert review.step == "review", review.text[:300]
    return review


def _stalled(stack: Stack) -> int:
    """Wait until a worker is stalled in a check-in; its process id."""
    reached = stack.flag.with_suffix(".reached")
    wait_until(reached.exists, "a worker stalling in a check-in", STALL_WAIT)
    pid = int(reached.read_text())
    reached.unlink()
    return pid


def test_a_worker_timed_out_or_killed_mid_check_in_leaves_no_code_in_any_log(
    stack: Stack,
) -> None:
    code, token = _patients(stack)
    proxied = StackBrowser(stack.deployment.url)
    assert _open(proxied, "/followup", code=code.lower(), year=BIRTH_YEAR) == 303
    client = RealClient(proxied)

    # gunicorn times the worker out; nginx's upstream fails and it answers its own page.
    review = _review(client)
    stack.flag.touch()
    assert press(client, review, action="submit").status == 503  # type: ignore[arg-type]
    _stalled(stack)

    # A worker killed outright in the middle of the check-in.
    review = _review(client)
    answered: list[int] = []
    posting = threading.Thread(target=lambda: answered.append(
        press(client, review, action="submit").status))  # type: ignore[arg-type]
    posting.start()
    os.kill(_stalled(stack), signal.SIGKILL)
    posting.join(timeout=STALL_WAIT)
    assert answered == [503]

    # Back to work: the same submission is stored once, and said to be saved.
    stack.flag.unlink()
    saved = press(client, review, action="submit")  # type: ignore[arg-type]
    assert "Your check-in is saved" in saved.text

    # A page from before codes posting to an old address (the token in its path) times out
    # straight on gunicorn: its own error log names the request.
    direct = StackBrowser(stack.gunicorn_url)
    assert _open(direct, f"/followup/{token}", link=token, year=BIRTH_YEAR) == 303
    old_review = _review(RealClient(direct))
    stack.flag.touch()
    try:
        direct.open(f"/followup/{token}/checkin", {**dict(old_review.hidden), "action": "submit"})
    except OSError:
        pass  # the worker died with the connection open
    _stalled(stack)
    stack.flag.unlink()

    logs = stack.logs()
    every_line = "\n".join(logs.values())
    # The faults happened and were logged, so the search below means something.
    assert "WORKER TIMEOUT" in logs["gunicorn.log"] and "SIGKILL" in logs["gunicorn.log"]
    assert "Error handling request POST /followup/[link]/checkin" in logs["gunicorn.log"]
    assert "upstream prematurely closed connection" in logs["error.log"]
    assert 'request: "POST /followup/checkin?submission=' in logs["error.log"]
    assert '"POST /followup/checkin?submission=' in logs["recovery-check.access.log"]
    secrets = [code, code.lower(), f"{code[:4]}-{code[4:8]}-{code[8:]}", token]
    assert [(name, s) for name, text in logs.items() for s in secrets if s in text] == []
    assert TYPED["temperature_value"] not in every_line
