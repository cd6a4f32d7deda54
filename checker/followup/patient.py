"""The patient's pages: the code and year of birth first, then their check-ins and today's.

No secret is ever in an address: the code is typed (or filled in by followup.js from the part
of the sheet's link after "#", which browsers never send) and posted with the year of birth;
from then on the browser's session names the follow-up by the code's hash. Links printed
before codes (/followup/<token>) still open the same page for the follow-ups they belong to.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from babel.dates import format_date, format_time
from flask import Blueprint, current_app, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from checker import audit as audit_log
from checker.clock import clinic_zone, local, utcnow
from checker.extensions import csrf, db, limiter
from checker.followup.chart import charted_top, pain_chart
from checker.followup.checkin import SUBMISSION, checkin_kind, clinic_today, submission_of
from checker.followup.forms import OpenForm
from checker.followup.models import (
    CheckIn,
    Enrolment,
    EnrolmentEnd,
    enrolment_of,
    link_hash,
    normal_code,
    shown_code,
    token_hash,
)
from checker.i18n import LANG_FIELD, SWITCH_LANG, language
from checker.public.pages import serve_check
from rules import load_protocol
from rules.translations import in_language

log = logging.getLogger(__name__)
bp = Blueprint("followup_patient", __name__, url_prefix="/followup")
# The enrolment this browser has opened, by the hash of its code (never the code itself).
OPENED = "followup_opened"
# Fields of the code page itself; everything else posted with it is a check-in's answers.
OWN_FIELDS = ("link", "code", "year", "csrf_token", SUBMISSION, LANG_FIELD, SWITCH_LANG)
YearForm = OpenForm  # the form's earlier name
# Codes and years that do not match, per code across every address and instance (counted in
# RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set), and per address across codes.
LINK_LIMIT = "5 per 15 minutes; 20 per day"
ADDRESS_LIMIT = "10 per minute"
LINK_KEY = "followup-link:"
# An audit event names a nurse: a hold's names the enrolling nurse's id and this author.
HOLD_AUTHOR = "(follow-up code held)"
# Enough for the form check over HTTPS (the same site), never the page's path.
REFERRER_POLICY = "origin"


def is_open(enrolment: Enrolment, today: date) -> bool:
    """A code works from enrolment until the follow-up days are over, unless a nurse ended it."""
    if today > enrolment.procedure_date + timedelta(days=enrolment.follow_days):
        return False
    ended = db.session.scalar(select(EnrolmentEnd.id).filter_by(enrolment_id=enrolment.id))
    return ended is None


def not_opened() -> str:
    """One message for an unknown, ended or expired code and a wrong year: nothing given away."""
    return _("This code and year of birth do not open a check-in. If your follow-up has ended "
             "or the code does not work, please call the clinic.")


def _opened() -> Enrolment | None:
    """The enrolment this browser opened with its code and year, if still open."""
    hashed = session.get(OPENED)
    if not isinstance(hashed, str):
        return None
    enrolment = enrolment_of(hashed)
    if enrolment is None or not is_open(enrolment, clinic_today()):
        return None
    return enrolment


def _carried() -> list[tuple[str, str]]:
    """A check-in's answers posted to a page that must first ask the code and year again."""
    return [(k, v) for k, v in request.form.items(multi=True) if k not in OWN_FIELDS]


def _old_link(token: str | None) -> str:
    """An old link's token, as the page carries it on (not when a code was put in the address)."""
    posted = request.form.get("link", "") if request.method == "POST" else ""
    token = posted or token or ""
    return "" if normal_code(token) else token


def code_page(form: OpenForm, status: int = 200, *, token: str | None = None,
              refused: str = "", held: str = "") -> Any:
    """The code and year page, carrying any answers of a check-in it interrupted."""
    summary = [(field.id, f"{field.label.text}: {message}")
               for field in (form.code, form.year) for message in field.errors]
    posted = request.method == "POST"
    submission = submission_of(request.form.get(SUBMISSION) or request.args.get(SUBMISSION))
    page = render_template("followup/year.html", form=form, link=_old_link(token),
                           refused=refused, held=held, summary=summary,
                           carried=_carried() if posted else [],
                           submission=submission if posted else None)
    # The page's address may be an old link: what it posts says only which site it came from.
    return page, status, {"Referrer-Policy": REFERRER_POLICY}


def posted_hash() -> str:
    """The hash of the code typed, or of the old link posted; empty when neither came."""
    typed = normal_code(request.form.get("code", ""))
    if typed:
        return token_hash(typed)
    link = request.form.get("link", "") or (request.view_args or {}).get("token") or ""
    return link_hash(link) if link else ""


def link_key() -> str:
    """The per-code limit's key: keyed with SECRET_KEY, so neither Redis nor a log holds a hash."""
    hashed = posted_hash()
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
    digest = hmac.new(secret, hashed.encode("ascii"), hashlib.sha256).hexdigest()[:32]
    return LINK_KEY + (digest if hashed else "none")


def _refused(response: Response) -> bool:
    """Count a code and year that did not match."""
    return response.status_code == 403


def _refused_or_invalid(response: Response) -> bool:
    """Count, per address, anything that did not open a follow-up."""
    return response.status_code in (400, 403)


def _audit_hold(limit: RequestLimit) -> None:
    """Write one audit event per hold of a code (never the code or the year typed)."""
    try:
        seconds = max(1, limit.reset_at - int(time.time()))
        first = limiter.storage.incr(f"followup-hold/{limit.key}", seconds) == 1
    except Exception as error:  # the shared store failed: better two events than none
        log.warning("the follow-up hold marker is unavailable: %s", type(error).__name__)
        first = True
    if not first:
        return
    try:
        enrolment = enrolment_of(posted_hash())
        if enrolment is None:
            log.info("a follow-up code that opens nothing was held after wrong tries")
            return
        audit_log.append(db.session, nurse_id=enrolment.nurse_id, nurse_name=HOLD_AUTHOR,
                         action="followup-hold", shown_ids=[enrolment.id])
        db.session.commit()
    except SQLAlchemyError as error:  # the page still says when to try again
        db.session.rollback()
        log.error("a follow-up hold could not be audited: %s", type(error).__name__)


def _note_refusal() -> None:
    """Audit the hold this refusal starts, when it takes the last try a code had."""
    for limit in limiter.current_limits:
        if LINK_KEY in limit.key and limit.remaining <= 1:
            _audit_hold(limit)
            return


def held_message(until: float) -> str:
    """When the patient may try again, in the clinic's time and the page's language."""
    zone = clinic_zone(current_app.config)
    moment = local(datetime.fromtimestamp(until, UTC), zone)
    at = format_time(moment, "short", tzinfo=zone, locale=language())
    paused = _("The code and year of birth did not match several times, so this check-in is "
               "paused for a while to keep it private.")
    if moment.date() == local(utcnow(), zone).date():
        return paused + " " + _("You can try again after %(time)s.", time=at)
    day = format_date(moment, "full", locale=language())
    return paused + " " + _("You can try again on %(day)s after %(time)s.", day=day, time=at)


@bp.route("/<token>", methods=["GET"])
@bp.route("", methods=["GET"])
def open_link(token: str | None = None) -> Any:
    """Ask for the code and the year of birth; the page is the same whatever the address."""
    code = normal_code(token or "")
    form = OpenForm(formdata=None, data={"code": shown_code(code) if code else ""})
    return code_page(form, token=token)


@bp.route("/<token>", methods=["POST"])
@bp.route("", methods=["POST"])
@limiter.limit(ADDRESS_LIMIT, deduct_when=_refused_or_invalid)
@limiter.limit(LINK_LIMIT, key_func=link_key, deduct_when=_refused)
def confirm_year(token: str | None = None) -> Any:
    """Open the patient's pages when the code is live and the year matches; else say nothing."""
    if request.form.get(SWITCH_LANG):  # the same page in the other language, nothing counted
        return code_page(OpenForm(formdata=None, data={"code": request.form.get("code", "")}),
                         token=token)
    form = OpenForm(data={"link": token} if token else None)
    if not form.validate_on_submit():
        return code_page(form, 400, token=token)
    hashed = posted_hash()
    enrolment = enrolment_of(hashed)
    if (enrolment is None or enrolment.date_of_birth.year != form.year.data
            or not is_open(enrolment, clinic_today())):
        _note_refusal()
        return code_page(OpenForm(formdata=None, data={"code": form.code.data or ""}), 403,
                         token=token, refused=not_opened())
    session[OPENED] = hashed
    if _carried():  # a check-in was under way: it goes on where it was, every answer kept
        submission = submission_of(request.form.get(SUBMISSION))
        return serve_check(checkin_kind(enrolment, submission), posted=True)
    chosen = request.form.get(LANG_FIELD) or enrolment.language
    return _see_other(url_for("followup_patient.history", lang=chosen))


@bp.errorhandler(RateLimitExceeded)
def held(error: RateLimitExceeded) -> Any:
    """Too many codes and years that did not match: a calm page saying when to try again."""
    limit = limiter.current_limit
    if limit is not None and LINK_KEY in limit.key:
        _audit_hold(limit)
    until = limit.reset_at if limit is not None else time.time() + 60
    form = OpenForm(formdata=None, data={"code": request.form.get("code", "")})
    token = (request.view_args or {}).get("token")
    return code_page(form, 429, token=token, held=held_message(until))


def _see_other(location: str) -> Response:
    """A 303 to another page of ours."""
    return Response(status=303, headers={"Location": location})


@bp.route("/<token>/checkin", methods=["GET", "POST"])
@bp.route("/checkin", methods=["GET", "POST"])
@csrf.exempt  # nothing is stored without this browser's session, sent only from this site
def checkin(token: str | None = None) -> Any:
    """Today's check-in: the steps of the check, with the day count filled in."""
    enrolment = _opened()
    if token is not None and request.method == "GET":  # an old link's address: the new one
        return _see_other(url_for("followup_patient.checkin") if enrolment is not None
                          else url_for("followup_patient.open_link", token=token))
    if enrolment is None:
        if request.method == "POST":  # the session ended mid-way: ask again, keep answers
            return code_page(OpenForm(formdata=None), 401, token=token)
        return _see_other(url_for("followup_patient.open_link"))
    submission = submission_of(request.args.get(SUBMISSION))
    return serve_check(checkin_kind(enrolment, submission), posted=request.method == "POST")


@bp.route("/<token>/history")
@bp.route("/history")
def history(token: str | None = None) -> Response | str:
    """The patient's own check-ins, newest first, with a chart of pain over the days."""
    enrolment = _opened()
    if token is not None:  # an old link's address: the new one
        return _see_other(url_for("followup_patient.history") if enrolment is not None
                          else url_for("followup_patient.open_link", token=token))
    if enrolment is None:
        return _see_other(url_for("followup_patient.open_link"))
    checkins = list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment.id)
                                       .order_by(CheckIn.submitted_at.desc())))
    protocol = in_language(load_protocol(), language())
    headlines = {d.id: d.headline for d in protocol.dispositions}
    zone = clinic_zone(current_app.config)
    dated = [(local(c.submitted_at, zone).date(), c) for c in checkins]
    today = clinic_today()
    return render_template(
        "followup/history.html", headlines=headlines, checkins=dated,
        done_today=any(day == today for day, _c in dated), next_day=next_day(enrolment, today),
        chart=pain_chart([(c.day_count, c.pain_score) for c in checkins],
                         charted_top(protocol), title=_("Pain over the days"), figure=True))


def next_day(enrolment: Enrolment, today: date) -> date | None:
    """The day of the next check-in after today's, or None when today is the last one."""
    tomorrow = today + timedelta(days=1)
    return tomorrow if is_open(enrolment, tomorrow) else None
