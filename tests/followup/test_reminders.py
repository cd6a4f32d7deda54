"""Reminders: one e-mail per due patient a day, through a real SMTP server, however often run."""

import email
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage as Mail
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from babel.dates import format_date
from flask import Flask
from sqlalchemy import func, select

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import EnrolmentEnd, Reminder
from checker.settings import ConfigError, check, defaults
from tests.faults.processes import free_port
from tests.followup.conftest import enrol
from tests.followup.test_worklist import add_checkin
from tests.nurse.conftest import add_nurse

ROOT = Path(__file__).resolve().parents[2]
SENDER = "followup@clinic.example"
RUN_SECONDS = 60


class Inbox:
    """An SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.lock = threading.Lock()
        self.drop_next = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message (the name is aiosmtpd's), or close on it once when told to."""
        with self.lock:
            if self.drop_next:
                self.drop_next = False
                return "421 Service shutting down"
            self.mails.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self) -> list[str]:
        """Every recipient, one per message."""
        return sorted(str(m["To"]) for m in self.mails)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and what it received."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def patients(app: Flask, inbox: tuple[Inbox, int]) -> dict[str, int]:
    """Patients in every state a reminder run must tell apart, enrolled two days ago or more."""
    add_nurse(app)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox[1], SMTP_TLS="none",
                      SMTP_SENDER=SENDER, CLINIC_PHONE="555 0100", CLINIC_TIMEZONE="UTC")
    before = utcnow() - timedelta(days=2)
    procedure = date.today() - timedelta(days=3)

    def patient(name: str, **fields: Any) -> int:
        fields.setdefault("created_at", before)
        fields.setdefault("procedure_date", procedure)
        return enrol(app, patient_name=name, **fields)[0]

    ids = {
        "ada": patient("Ada Due", email="ada@example.org"),
        "beto": patient("Beto Due", email="beto@example.org", language="es"),
        "cy": patient("Cy Checked", email="cy@example.org"),
        "di": patient("Di Nomail"),
        "ed": patient("Ed Ended", email="ed@example.org"),
        "flo": patient("Flo Over", email="flo@example.org",
                       procedure_date=date.today() - timedelta(days=40)),
        "gus": patient("Gus New", email="gus@example.org", created_at=utcnow()),
    }
    add_checkin(app, ids["cy"], "self_care", {"pain_score": 2}, hours_ago=0)
    with app.app_context():
        db.session.add(EnrolmentEnd(enrolment_id=ids["ed"], nurse_id=1, nurse_name="ann",
                                    reason="Readmitted."))
        db.session.commit()
    return ids


def _claimed(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Reminder))


def _remind(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["followup", "remind"])


def test_each_due_patient_gets_one_email_and_nobody_else_any(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    result = _remind(app)
    assert result.exit_code == 0, result.output
    assert inbox[0].to() == ["ada@example.org", "beto@example.org"]
    assert "2 sent" in result.output and "1 with no e-mail or text channel" in result.output
    # The test's own SMTP server logs what it receives ("mail.log"); the app logs nothing of it.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    for secret in ("Ada", "Beto", "example.org", "Nomail"):
        assert secret not in result.output and secret not in logged
    again = _remind(app)
    assert again.exit_code == 0 and "0 sent" in again.output
    assert len(inbox[0].mails) == 2


def test_the_email_is_in_the_patients_language_and_says_what_to_do_in_an_emergency(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:
    assert _remind(app).exit_code == 0
    by_address = {str(m["To"]): m for m in inbox[0].mails}
    english, spanish = by_address["ada@example.org"], by_address["beto@example.org"]
    assert english["From"] == SENDER
    day = utcnow().date()  # the clinic's day: its time zone is UTC here
    assert english["Subject"] == (
        f"Time for your recovery check-in of {format_date(day, 'full', locale='en')}")
    assert "In an emergency, call 911 now." in english.get_content()
    assert "555 0100" in english.get_content()
    assert spanish["Subject"] == (
        f"Es hora del control de su recuperación del {format_date(day, 'full', locale='es')}")
    assert "En una emergencia, llame al 911 ahora." in spanish.get_content()
    for mail in (english, spanish):
        assert "/followup/" not in mail.get_content()  # the link is on the sheet only


def test_two_runs_at_once_send_one_email_per_due_patient(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:
    config = app.config
    env = {**os.environ, "SECRET_KEY": "test", "RECOVERY_CHECK_ENV": "production",
           "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(config["SMTP_PORT"]), "SMTP_TLS": "none", "SMTP_SENDER": SENDER,
           "CLINIC_TIMEZONE": "UTC"}
    command = [sys.executable, "-m", "flask", "--app", "checker", "followup", "remind"]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=RUN_SECONDS)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert inbox[0].to() == ["ada@example.org", "beto@example.org"]
    assert _claimed(app) == 2
    sent = sum(int(line.split(" sent")[0].split()[-1]) for out in outputs
               for line in out.splitlines() if line.startswith("Reminders:"))
    assert sent == 2


def test_a_mail_server_that_is_down_claims_nothing_and_fails_the_run(
        app: Flask, patients: dict[str, int]) -> None:
    app.config.update(SMTP_PORT=free_port())  # nothing listens there
    result = _remind(app)
    assert result.exit_code == 1
    assert "the mail server could not be reached" in result.output
    assert _claimed(app) == 0  # a later run sends every reminder


def test_with_no_channel_set_reminders_are_off_and_nothing_is_claimed(
        app: Flask, patients: dict[str, int]) -> None:
    app.config.update(SMTP_HOST="")
    result = _remind(app)
    assert result.exit_code == 0 and "reminders are off" in result.output
    assert _claimed(app) == 0


def test_a_server_that_drops_one_email_fails_the_run_and_the_next_patient_still_gets_theirs(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int],
        caplog: pytest.LogCaptureFixture) -> None:
    inbox[0].drop_next = True
    result = _remind(app)
    assert result.exit_code == 1
    assert "1 sent" in result.output and "1 failed" in result.output
    assert len(inbox[0].mails) == 1  # the connection was opened again for the second patient
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "1 reminders failed" in logged
    for secret in ("Ada", "Beto", "example.org"):
        assert secret not in result.output and secret not in logged
    # The failed one stays claimed: it may have gone out, and is never sent twice.
    assert _claimed(app) == 2 and "0 sent" in _remind(app).output


class BrokenTexts:
    """A text-message adapter whose service is down."""

    def __init__(self, config: Any) -> None:
        self.config = config

    def send(self, to: str, text: str) -> None:
        """Fail as a vendor's library might."""
        raise RuntimeError(f"gateway refused {to}")


def test_a_text_adapter_that_fails_ends_no_run_and_the_emails_still_go(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:
    app.config.update(SMS_ADAPTER=f"{__name__}:BrokenTexts")
    result = _remind(app)
    assert result.exit_code == 1 and "2 sent" in result.output
    assert "1 failed" in result.output and "555 0100" not in result.output
    assert inbox[0].to() == ["ada@example.org", "beto@example.org"]


class TextRecorder:
    """A text-message adapter for the test: it keeps what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def __init__(self, config: Any) -> None:
        self.config = config

    def send(self, to: str, text: str) -> None:
        """Keep one text."""
        TextRecorder.sent.append((to, text))


def test_a_text_adapter_reaches_a_patient_without_email_under_the_same_contract(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:
    TextRecorder.sent.clear()
    app.config.update(SMS_ADAPTER=f"{__name__}:TextRecorder")
    result = _remind(app)
    assert result.exit_code == 0, result.output
    assert [to for to, _ in TextRecorder.sent] == ["555 0100"]  # Di, who has no e-mail
    assert "In an emergency, call 911 now." in TextRecorder.sent[0][1]
    assert len(inbox[0].mails) == 2 and _remind(app).exit_code == 0
    assert len(TextRecorder.sent) == 1


@pytest.mark.parametrize("settings, named", [
    ({"SMTP_TLS": "yes"}, "SMTP_TLS must be none, starttls or ssl"),
    ({"SMTP_HOST": "mail.clinic.example"}, "SMTP_SENDER must be the e-mail address"),
    ({"SMS_ADAPTER": "texts.Sender"}, "SMS_ADAPTER must be written module:Class"),
])
def test_a_wrong_mail_setting_stops_the_app_naming_it(settings: dict[str, str],
                                                       named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        check({**defaults(), "SECRET_KEY": "x" * 32, **settings})
