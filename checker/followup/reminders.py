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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

import click
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from checker.audit import lock_chain, seal_rows
from checker.clock import day_bounds, utcnow
from checker.extensions import db
from checker.followup.checkin import clinic_today
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, Reminder
from checker.followup.retention import commands
from checker.settings import clinic_name

log = logging.getLogger(__name__)
EMAIL, TEXT = "email", "text"
SMTP_SECONDS = 20
# Patients claimed in one transaction and then sent over the run's connection; if the server
# is lost for good mid-batch, at most this many claimed reminders fail (never sent twice).
BATCH = 500


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


@dataclass(frozen=True)
class Due:
    """One patient a reminder may go to: only what sending it needs."""

    id: int
    email: str
    phone: str
    language: str


def due(today: date) -> tuple[list[Due], int]:
    """Open follow-ups enrolled before today with no check-in yet today, read in one query.

    Gives the ones still to remind and how many were already reminded today by a run.
    """
    start, end = day_bounds(today)  # 23 or 25 hours across a clock change
    checked_in = exists().where(CheckIn.enrolment_id == Enrolment.id,
                                CheckIn.submitted_at >= start, CheckIn.submitted_at < end)
    ended = exists().where(EnrolmentEnd.enrolment_id == Enrolment.id)
    claimed = exists().where(Reminder.enrolment_id == Enrolment.id, Reminder.day == today)
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.email, Enrolment.phone, Enrolment.language,
               Enrolment.procedure_date, Enrolment.follow_days, claimed.label("claimed"))
        .where(~ended, ~checked_in, Enrolment.created_at < start).order_by(Enrolment.id))
    waiting, already = [], 0
    for id_, email, phone, language, procedure_date, follow_days, done in rows:
        if today > procedure_date + timedelta(days=follow_days):
            continue  # its last day has passed
        if done:
            already += 1
        else:
            waiting.append(Due(id_, email or "", phone or "", language))
    return waiting, already


def claim(batch: Sequence[tuple[Due, str]], day: date) -> set[int]:
    """Take these patients' reminders for the day in one transaction; give the ids taken.

    A patient another run took first is left out: the unique (enrolment, day) row is inserted
    with ON CONFLICT DO NOTHING, and only the rows this run inserted come back. Each is sealed
    in the keyed chain, whose lock is taken first so two runs' claims never interleave.
    """
    if not batch:
        return set()
    connection = db.session.connection()
    lock_chain(connection)
    dialect = connection.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"enrolment_id": patient.id, "day": day, "channel": channel, "claimed_at": now}
            for patient, channel in batch]
    statement = (insert(Reminder).values(rows).on_conflict_do_nothing()
                 .returning(Reminder.id, Reminder.enrolment_id))
    taken = connection.execute(statement).all()
    seal_rows(connection, {"followup_reminder": [row.id for row in taken]})
    db.session.commit()
    return {row.enrolment_id for row in taken}


def wording(enrolment: Enrolment | Due, today: date) -> tuple[str, str]:
    """The reminder's subject and text, in the patient's language, its date written their way."""
    return _wording(enrolment.language, today)


def _wording(language: str, today: date) -> tuple[str, str]:
    """The reminder in one language: the same for every patient who reads it."""
    config = current_app.config
    clinic = clinic_name(config, language)
    phone = config.get("CLINIC_PHONE") or ""
    with force_locale(language):
        subject = _("Time for your recovery check-in of %(date)s",
                    date=format_date(today, "full", locale=language))
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


def send_reminders(today: date, patients: Sequence[Due] | None = None) -> Outcome:
    """Claim and send today's reminders in batches; a failed one is counted and the others go on.

    The mail server is reached before any patient's day is claimed, so a server that is down
    claims nothing and a later run sends every reminder. Each batch of BATCH patients is
    claimed in one transaction, then sent over the run's one SMTP connection.
    """
    texts = _text_sender()
    if not current_app.config.get("SMTP_HOST") and texts is None:
        raise RemindersOff("reminders are off: set SMTP_HOST (or SMS_ADAPTER) to send them")
    outcome = Outcome()
    if patients is None:
        waiting, outcome.already = due(today)
    else:
        waiting = list(patients)
    db.session.rollback()  # the reading transaction ends before any claim
    mail = _Mail() if current_app.config.get("SMTP_HOST") and any(
        p.email for p in waiting) else None
    run = _Run(today, mail, texts, outcome)
    try:
        for start in range(0, len(waiting), BATCH):
            if mail is not None and not mail.ready():
                # Lost between batches and not back: the rest stay unclaimed for the next run.
                outcome.unclaimed = len(waiting) - start
                break
            run.batch(waiting[start:start + BATCH])
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


class _Run:
    """One run's connection, text adapter, counts, and the reminder's text in each language."""

    def __init__(self, today: date, mail: _Mail | None, texts: TextSender | None,
                 outcome: Outcome) -> None:
        self.today, self.mail, self.texts, self.outcome = today, mail, texts, outcome
        self.wordings: dict[str, tuple[str, str]] = {}
        self.lost = False

    def channel(self, patient: Due) -> str:
        """By e-mail, else by text when an adapter is set; "" when neither reaches them."""
        if patient.email and self.mail is not None:
            return EMAIL
        return TEXT if self.texts is not None and patient.phone else ""

    def batch(self, patients: Sequence[Due]) -> None:
        """Claim these patients' reminders in one transaction, then send the ones taken."""
        chosen = []
        for patient in patients:
            channel = self.channel(patient)
            if channel:
                chosen.append((patient, channel))
            else:
                self.outcome.unreachable += 1
        taken = claim(chosen, self.today)
        self.outcome.already += len(chosen) - len(taken)
        for patient, channel in chosen:
            if patient.id in taken:
                self.send(patient, channel)

    def send(self, patient: Due, channel: str) -> None:
        """One claimed reminder. A failure is counted; the claim stays, so it never goes twice."""
        if patient.language not in self.wordings:
            self.wordings[patient.language] = _wording(patient.language, self.today)
        subject, text = self.wordings[patient.language]
        try:
            if channel == TEXT and self.texts is not None:
                self.texts.send(patient.phone, text)
            elif self.mail is None or self.lost or not self.mail.ready():
                self.lost = True  # the server is gone: the batch's other e-mails fail too
                raise smtplib.SMTPServerDisconnected("the mail server was lost")
            else:
                self.mail.send(_email(patient.email, subject, text, patient.language))
        except Exception as error:  # noqa: BLE001  (an adapter is the clinic's code: any error)
            # One failure ends no run. A reminder that may have gone out is never sent twice.
            self.outcome.failed += 1
            log.warning("followup remind: one %s reminder not sent (%s)", channel,
                        type(error).__name__)
            return
        self.outcome.sent += 1


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
