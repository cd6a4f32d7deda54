"""The patient's daily check-in: the anonymous check's own pages, stored once per submission.

The day count comes from the procedure date, never from the form. The result is stored with
the protocol that gave it. Each check-in gets a submission id when it starts, carried in the
address its steps post to; the database keeps one check-in per id and result shown, so a double
tap, Back and "Get my result" again, or many identical posts at once store one check-in.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date, format_time
from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checker.clock import clinic_zone, local, utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment
from checker.followup.monitoring import parse_hours
from checker.followup.worklist import alerts, aware
from checker.i18n import language
from checker.public.flow import Check
from checker.public.pages import CheckKind
from rules import Protocol, assess, load_protocol
from rules.model import CHOICE, INTEGER, YES_NO, Question

# The field (in the steps' address, or posted by the year page) naming today's submission.
SUBMISSION = "submission"
SUBMISSION_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A post without a submission id (a page from before ids) is the same check-in as one sent
# unchanged within this time.
SAME_CHECKIN = timedelta(minutes=10)

# A browser says where a form post came from; a check-in is stored only from this site's pages.
STORED_FROM = ("same-origin", "none", "")


def new_submission() -> str:
    """A fresh id for a check-in being started."""
    return secrets.token_urlsafe(16)


def submission_of(value: str | None) -> str | None:
    """A submission id as sent, or None when it is missing or not one of ours."""
    return value if value and SUBMISSION_FORM.fullmatch(value) else None


def clinic_today() -> date:
    """Today's date where the clinic is."""
    return local(utcnow(), clinic_zone(current_app.config)).date()


def day_count(enrolment: Enrolment, today: date) -> int:
    """Whole days since the procedure (0 on its day; never less)."""
    return max(0, (today - enrolment.procedure_date).days)


def submission_key(submission: str, answers: dict[str, Any], disposition: str) -> str:
    """The stored key: the form's id with the answers and result shown, so stored = shown."""
    content = json.dumps([submission, answers, disposition], sort_keys=True, default=str,
                         separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _stored(enrolment: Enrolment, key: str) -> CheckIn | None:
    """The check-in already stored under this key, if any."""
    return db.session.scalar(select(CheckIn).filter_by(enrolment_id=enrolment.id,
                                                       submission_id=key))


def _sent_again(enrolment: Enrolment, answers: dict[str, Any], disposition: str) -> CheckIn | None:
    """For a post without an id: the latest check-in, when it is this one sent again just now."""
    latest = db.session.scalar(select(CheckIn).filter_by(enrolment_id=enrolment.id)
                               .order_by(CheckIn.submitted_at.desc(), CheckIn.id.desc()))
    if (latest is not None and latest.answers == answers and latest.disposition == disposition
            and utcnow() - aware(latest.submitted_at) < SAME_CHECKIN):
        return latest
    return None


def store(enrolment: Enrolment, answers: dict[str, Any], shown: dict[str, Any],
          submission: str | None = None) -> CheckIn:
    """Keep the check-in the patient was shown, once however often it is sent.

    `answers` are those the shown result was assessed from, an answer sent twice already read
    its more urgent way (checker/public/flow.py): nothing is read again from the form here.
    """
    now = utcnow()
    disposition = shown["disposition"]
    if submission is None:
        again = _sent_again(enrolment, answers, disposition)
        if again is not None:
            return again
        # Identical posts at one moment share the ten minutes they fall in.
        submission = f"window-{int(now.timestamp() // SAME_CHECKIN.total_seconds())}"
    key = submission_key(submission, answers, disposition)
    existing = _stored(enrolment, key)
    if existing is not None:
        return existing
    # The record is in the protocol's own language, whatever the patient read it in: the same
    # answers give the same result (a translation changes words only,
    # tests/rules/test_translations.py), and the disposition kept is the one shown.
    protocol = load_protocol()
    result = assess(answers, protocol, emergency_number=current_app.config["EMERGENCY_NUMBER"])
    charted = protocol.charted
    checkin = CheckIn(
        enrolment_id=enrolment.id, submitted_at=now, day_count=answers[_day_count(protocol)],
        answers=answers, assessment=result, disposition=disposition,
        pain_score=answers.get(charted.id) if charted else None,
        protocol_id=result["protocol"]["id"], protocol_version=result["protocol"]["version"],
        protocol_sha256=result["protocol"]["sha256"], submission_id=key)
    db.session.add(checkin)
    try:
        db.session.commit()
    except IntegrityError:
        # The same submission was stored by another request a moment ago: answer with it.
        db.session.rollback()
        existing = _stored(enrolment, key)
        if existing is None:
            raise
        return existing
    return checkin


def _day_count(protocol: Protocol) -> str:
    """The id of the answer a check-in gives itself: the days since the procedure."""
    if protocol.day_count is None:
        raise LookupError("a follow-up needs a protocol question marked context (the day count)")
    return protocol.day_count.id


def checkin_kind(enrolment: Enrolment, submission: str | None) -> CheckKind:
    """The check-in as a kind of check: its address, its day count and its stored result.

    `submission` is the id the request came with; the pages it leads to carry it on, or a new
    one when it came without (a check-in starting, or a page from before ids).
    """
    today = clinic_today()
    carried = submission or new_submission()

    def on_result(check: Check, result: dict[str, Any]) -> dict[str, Any]:
        stored = request.headers.get("Sec-Fetch-Site", "") in STORED_FROM
        if not stored:
            return {"stored": False}
        store(enrolment, check.answers, result, submission)
        return {"stored": True, "watch": watch_note(check.protocol, result["disposition"]),
                "saved_on": format_date(today, "full", locale=language())}

    # The address's query (Any: url_for's keyword arguments such as _external are not in it).
    query: dict[str, Any] = {SUBMISSION: carried}
    return CheckKind(
        action=lambda: url_for("followup_patient.checkin", **query),
        fixed=lambda: {**history_answers(enrolment, load_protocol()),
                       _day_count(load_protocol()): day_count(enrolment, today)},
        on_result=on_result,
        extra=lambda: {"followup": True,
                       "start_url": url_for("followup_patient.checkin"),
                       "history_url": url_for("followup_patient.history")},
    )


def history_answers(enrolment: Enrolment, protocol: Protocol) -> dict[str, Any]:
    """The answers to the history questions this follow-up already gave, first ones first.

    A question about the patient's history (`history` in the protocol) is asked at the first
    check-in that reaches it; later check-ins carry that stored answer, as they carry the day
    count, and do not ask it again. A question never answered yet is asked.
    """
    wanted = {q.id: q for q in protocol.history}
    if not wanted:
        return {}
    carried: dict[str, Any] = {}
    stored = db.session.scalars(select(CheckIn.answers).filter_by(enrolment_id=enrolment.id)
                                .order_by(CheckIn.submitted_at, CheckIn.id))
    for answers in stored:
        if not isinstance(answers, dict):
            continue
        for question_id in wanted.keys() - carried.keys():
            if _fits(wanted[question_id], answers.get(question_id)):
                carried[question_id] = answers[question_id]
        if carried.keys() == wanted.keys():
            break
    return carried


def _fits(question: Question, value: Any) -> bool:
    """Whether a stored answer is one this question takes (else it is asked again)."""
    if question.type == YES_NO:
        return isinstance(value, bool)
    if question.type == INTEGER:
        low, high = question.bounds
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if question.type == CHOICE:
        return value in question.choice_ids
    return False  # a temperature is today's, never history


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
