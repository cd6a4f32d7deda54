"""The patient's daily check-in through their link: the anonymous check's own pages, stored.

The day count comes from the procedure date, never from the form. The result is stored with
the protocol that gave it. A check-in posted once more unchanged within a few minutes (a double
tap, Back and "Get my result" again) is the same check-in, not a second one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date, format_time
from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment
from checker.followup.monitoring import parse_hours
from checker.followup.worklist import alerts, aware
from checker.i18n import language
from checker.nurse.models import utcnow
from checker.nurse.note import clinic_zone, local
from checker.public.flow import Check
from checker.public.pages import CheckKind
from rules import Protocol, assess

DAYS = "days_since_procedure"
PAIN = "pain_score"
SAME_CHECKIN = timedelta(minutes=10)

# A browser says where a form post came from; a check-in is stored only from this site's pages.
STORED_FROM = ("same-origin", "none", "")


def clinic_today() -> date:
    """Today's date where the clinic is."""
    return local(utcnow(), clinic_zone(current_app.config)).date()


def day_count(enrolment: Enrolment, today: date) -> int:
    """Whole days since the procedure (0 on its day; never less)."""
    return max(0, (today - enrolment.procedure_date).days)


def store(enrolment: Enrolment, answers: dict[str, Any], shown: dict[str, Any]) -> CheckIn:
    """Keep the check-in the patient was shown, or the same one posted again.

    `answers` are those the shown result was assessed from, an answer sent twice already read
    its more urgent way (checker/public/flow.py): nothing is read again from the form here.
    """
    latest = db.session.scalar(select(CheckIn).filter_by(enrolment_id=enrolment.id)
                               .order_by(CheckIn.submitted_at.desc(), CheckIn.id.desc()))
    now = utcnow()
    if (latest is not None and latest.answers == answers
            and latest.disposition == shown["disposition"]
            and now - aware(latest.submitted_at) < SAME_CHECKIN):
        return latest
    # The record is in the protocol's own language, whatever the patient read it in: the same
    # answers give the same result (a translation changes words only,
    # tests/rules/test_translations.py), and the disposition kept is the one shown.
    result = assess(answers, emergency_number=current_app.config["EMERGENCY_NUMBER"])
    checkin = CheckIn(
        enrolment_id=enrolment.id, submitted_at=now, day_count=answers[DAYS], answers=answers,
        assessment=result, disposition=shown["disposition"], pain_score=answers.get(PAIN),
        protocol_id=result["protocol"]["id"], protocol_version=result["protocol"]["version"],
        protocol_sha256=result["protocol"]["sha256"])
    db.session.add(checkin)
    db.session.commit()
    return checkin


def checkin_kind(enrolment: Enrolment, token: str) -> CheckKind:
    """The check-in as a kind of check: its address, its day count and its stored result."""
    today = clinic_today()

    def on_result(check: Check, result: dict[str, Any]) -> dict[str, Any]:
        stored = request.headers.get("Sec-Fetch-Site", "") in STORED_FROM
        if not stored:
            return {"stored": False}
        store(enrolment, check.answers, result)
        return {"stored": True, "watch": watch_note(check.protocol, result["disposition"]),
                "saved_on": format_date(today, "full", locale=language())}

    return CheckKind(
        action=lambda: url_for("followup_patient.checkin", token=token),
        fixed=lambda: {DAYS: day_count(enrolment, today)},
        on_result=on_result,
        extra=lambda: {"followup": True,
                       "start_url": url_for("followup_patient.checkin", token=token),
                       "history_url": url_for("followup_patient.history", token=token)},
    )


def watch_note(protocol: Protocol, disposition: str) -> str:
    """Who will see this check-in, and when, said honestly: never instead of calling."""
    hours = parse_hours(current_app.config.get("MONITORING_HOURS") or "")
    now = local(utcnow(), clinic_zone(current_app.config))
    if hours is None:
        return _("Nobody at the clinic watches check-ins as they arrive. Do not wait for us: "
                 "do what this page says now.")
    if not hours.watching(now):
        start = hours.next_start(now)
        when = _("%(day)s at %(time)s", day=format_date(start, "full", locale=language()),
                 time=format_time(start, "short", locale=language()))
        return _("Nobody at the clinic will see this check-in until %(when)s. Do not wait for "
                 "us: do what this page says now.", when=when)
    if alerts(protocol, disposition):
        return _("Your care team has been alerted too. This does not replace your call: "
                 "call now, as this page says.")
    return _("A nurse will look at this check-in today, before %(time)s.",
             time=format_time(hours.until(now), "short", locale=language()))
