"""Daily reminders to patients who have not checked in today: at most one per patient a day.

Meant for cron or a systemd timer: `flask --app checker followup remind`. Each patient's day is
claimed first by a row whose (enrolment, day) is unique, so two runs at once, or on two
instances, send one reminder; only then is it sent. A reminder says nothing about the patient's
health. It links to the fixed check-in page on the clinic's site (PUBLIC_URL), the same for
every patient, and never holds a code: the code is on the patient's sheet. It comes from the
clinic by name ("Riverside Spine Clinic" <followup@...>).
"""

from __future__ import annotations

import importlib
import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

import click
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from checker.clock import day_bounds
from checker.extensions import db
from checker.followup.checkin import clinic_today
from checker.followup.models import CheckIn, Enrolment, Reminder
from checker.followup.retention import commands
from checker.followup.worklist import open_enrolments
from checker.settings import clinic_name

log = logging.getLogger(__name__)
EMAIL, TEXT = "email", "text"
SMTP_SECONDS = 20


class TextSender(Protocol):
    """What a text-message adapter offers (SMS_ADAPTER names one): the e-mail's contract."""

    def send(self, to: str, text: str) -> None:
        """Send one text; raise on failure."""


@dataclass
class Outcome:
    """What one run did, in counts only: no name or address ever reaches a log."""

    sent: int = 0
    already: int = 0
    failed: int = 0
    unreachable: int = 0
    unclaimed: int = 0

    def line(self) -> str:
        """The run's summary."""
        line = (f"Reminders: {self.sent} sent, {self.already} already sent today by another run, "
                f"{self.failed} failed, {self.unreachable} with no e-mail or text channel.")
        if self.unclaimed:
            line += (f" The mail server was lost mid-run: {self.unclaimed} left unclaimed "
                     "for the next run.")
        return line


def due(today: date) -> list[Enrolment]:
    """Open follow-ups enrolled before today with no check-in yet today."""
    start, end = day_bounds(today)  # 23 or 25 hours across a clock change
    checked_in = exists().where(CheckIn.enrolment_id == Enrolment.id,
                                CheckIn.submitted_at >= start, CheckIn.submitted_at < end)
    fresh = {e.id for e in db.session.scalars(select(Enrolment).where(checked_in))}
    return [e for e in open_enrolments(today) if e.id not in fresh and e.created_at < start]


def claim(enrolment: Enrolment, day: date, channel: str) -> bool:
    """Take this patient's reminder for the day; False when another run already has it."""
    db.session.add(Reminder(enrolment_id=enrolment.id, day=day, channel=channel))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def wording(enrolment: Enrolment, today: date) -> tuple[str, str]:
    """The reminder's subject and text, in the patient's language, its date written their way."""
    config = current_app.config
    clinic = clinic_name(config, enrolment.language)
    phone = config.get("CLINIC_PHONE") or ""
    with force_locale(enrolment.language):
        subject = _("Time for your recovery check-in of %(date)s",
                    date=format_date(today, "full", locale=enrolment.language))
        page = checkin_page(config)  # the same page for everyone: never a code
        lines = [
            _("This is your daily reminder to do today's recovery check-in. Go to %(page)s, "
              "type the code on the sheet you were given when you left the hospital, and "
              "answer the questions.", page=page) if page else
            _("This is your daily reminder to do today's recovery check-in. Open the link on "
              "the sheet you were given when you left the hospital, and answer the questions."),
            _("In an emergency, call %(number)s now. Do not wait for a check-in.",
              number=config["EMERGENCY_NUMBER"]),
        ]
        if phone:
            lines.append(_("To reach %(clinic)s, call", clinic=clinic or _("the clinic"))
                         + f": {phone}")
        lines.append(_("You get this message because you agreed to daily check-ins after your "
                       "procedure. To stop them, call the clinic."))
    return str(subject), "\n\n".join(str(line) for line in lines) + "\n"


def _smtp() -> smtplib.SMTP:
    """A connection to the configured SMTP server, secured as configured."""
    config = current_app.config
    host, port, mode = config["SMTP_HOST"], int(config["SMTP_PORT"]), config["SMTP_TLS"]
    if mode == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_SECONDS,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_SECONDS)
        if mode == "starttls":
            server.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        server.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return server


def _text_sender() -> TextSender | None:
    """The configured text-message adapter (SMS_ADAPTER, "module:Class"), or None."""
    name = current_app.config.get("SMS_ADAPTER") or ""
    if not name:
        return None
    module, _, attribute = name.partition(":")
    sender: Any = getattr(importlib.import_module(module), attribute)
    # The setting names a class, made with the config, or an object: either offers send().
    adapter: TextSender = sender(current_app.config) if isinstance(sender, type) else sender
    return adapter


class RemindersOff(RuntimeError):
    """No channel is configured: reminders are off, which is not a failure."""


class MailServerDown(RuntimeError):
    """The mail server could not be reached, so nothing was claimed or sent."""


def send_reminders(today: date, patients: Iterable[Enrolment] | None = None) -> Outcome:
    """Claim and send today's reminders; a failed one is counted and the others go on.

    The mail server is reached before any patient's day is claimed, so a server that is down
    claims nothing and a later run sends every reminder.
    """
    texts = _text_sender()
    if not current_app.config.get("SMTP_HOST") and texts is None:
        raise RemindersOff("reminders are off: set SMTP_HOST (or SMS_ADAPTER) to send them")
    waiting = list(patients if patients is not None else due(today))
    mail = _Mail() if current_app.config.get("SMTP_HOST") and any(
        e.email for e in waiting) else None
    outcome = Outcome()
    try:
        for index, enrolment in enumerate(waiting):
            if mail is not None and not mail.ready():
                # Lost mid-run and not back: the rest stay unclaimed for the next run.
                outcome.unclaimed = len(waiting) - index
                break
            _remind(enrolment, today, mail, texts, outcome)
    finally:
        if mail is not None:
            mail.close()
    if outcome.failed or outcome.unclaimed:
        # Counts only: which patients is for the care team's worklist, not a log.
        log.error("followup remind: %d reminders failed, %d left unclaimed", outcome.failed,
                  outcome.unclaimed)
    return outcome


class _Mail:
    """The run's SMTP connection: opened before any claim, opened again if the server drops it."""

    def __init__(self) -> None:
        self.server: smtplib.SMTP | None = self._open()
        self.broken = False

    @staticmethod
    def _open() -> smtplib.SMTP:
        try:
            return _smtp()
        except (OSError, smtplib.SMTPException) as error:
            raise MailServerDown(f"the mail server could not be reached "
                                 f"({type(error).__name__}); nothing was sent or claimed"
                                 ) from error

    def ready(self) -> bool:
        """Whether the next e-mail can go; after a failure, the connection is checked first."""
        if not self.broken:
            return True
        try:
            if self.server is None:
                raise smtplib.SMTPServerDisconnected("closed")
            self.server.noop()
        except (OSError, smtplib.SMTPException):
            self.close()
            try:
                self.server = _smtp()
            except (OSError, smtplib.SMTPException):
                return False
        self.broken = False
        return True

    def send(self, message: EmailMessage) -> None:
        """Send one e-mail; raise on failure and check the connection before the next."""
        if self.server is None:
            raise smtplib.SMTPServerDisconnected("the mail server is not connected")
        try:
            self.server.send_message(message)
        except (OSError, smtplib.SMTPException):
            self.broken = True
            raise

    def close(self) -> None:
        """Say goodbye to the server, if it is still there."""
        if self.server is not None:
            try:
                self.server.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.server = None


def _remind(enrolment: Enrolment, today: date, mail: _Mail | None,
            texts: TextSender | None, outcome: Outcome) -> None:
    """One patient's reminder: by e-mail, else by text when an adapter is set."""
    channel = (EMAIL if enrolment.email and mail else
               TEXT if texts is not None and enrolment.phone else "")
    if not channel:
        outcome.unreachable += 1
        return
    if not claim(enrolment, today, channel):
        outcome.already += 1
        return
    subject, text = wording(enrolment, today)
    try:
        if channel == EMAIL and mail is not None:
            mail.send(_email(enrolment.email, subject, text, enrolment.language))
        elif texts is not None:
            texts.send(enrolment.phone, text)
    except Exception as error:  # noqa: BLE001  (an adapter is the clinic's code: any error)
        # One failure ends no run. The claim stays: a reminder that may have gone out is
        # never sent twice.
        outcome.failed += 1
        log.warning("followup remind: one %s reminder not sent (%s)", channel,
                    type(error).__name__)
        return
    outcome.sent += 1


def checkin_page(config: Mapping[str, Any]) -> str:
    """The fixed check-in page on the clinic's site (PUBLIC_URL), or "" when it is not set."""
    public = str(config.get("PUBLIC_URL") or "").strip().rstrip("/")
    return f"{public}/followup" if public else ""


def sender(config: Mapping[str, Any], language: str) -> str:
    """The From line: the clinic's name in the patient's language, then the address."""
    address = config["SMTP_SENDER"]
    name = clinic_name(config, language)
    return formataddr((name, address)) if name else address


def _email(to: str, subject: str, text: str, language: str = "en") -> EmailMessage:
    """One plain-text e-mail from the configured sender, named as the clinic."""
    message = EmailMessage()
    message["From"] = sender(current_app.config, language)
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    return message


@commands.command("remind")
def remind() -> None:
    """Send today's check-in reminders: at most one per patient a day, however often run."""
    try:
        outcome = send_reminders(clinic_today())
    except RemindersOff as off:
        click.echo(f"Reminders: {off}.")
        return
    except MailServerDown as down:
        click.echo(f"Reminders: {down}.", err=True)
        raise SystemExit(1) from None
    click.echo(outcome.line())
    if outcome.failed or outcome.unclaimed:
        raise SystemExit(1)
