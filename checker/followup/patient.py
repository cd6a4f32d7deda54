"""The patient's personal link: the year of birth first, then their check-ins and today's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange

from checker.extensions import csrf, db, limiter
from checker.followup.checkin import checkin_kind, clinic_today
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, token_hash
from checker.i18n import LANG_FIELD, SWITCH_LANG, language
from checker.nurse.note import clinic_zone, local
from checker.public.pages import serve_check
from checker.validators import OneValue
from rules import load_protocol
from rules.translations import in_language

bp = Blueprint("followup_patient", __name__, url_prefix="/followup")
# Guessing a year takes at most a hundred tries: a few a minute makes that slow and visible.
YEAR_LIMIT = "5 per minute"
# The enrolment this browser has opened, keyed by the token's hash (never the token itself).
OPENED = "followup_opened"
YEAR_MESSAGE = _l("Enter your year of birth, for example 1948.")
# Fields of the year form itself; everything else posted with it is a check-in's answers.
OWN_FIELDS = ("year", "csrf_token", LANG_FIELD, SWITCH_LANG)


def not_opened() -> str:
    """One message for an unknown, ended or expired link and a wrong year: nothing given away."""
    return _("This link and year of birth do not open a check-in. If your follow-up has ended "
             "or the link does not work, please call the clinic.")


class YearForm(FlaskForm):
    """The patient's year of birth, asked before anything else."""

    year = IntegerField(_l("Your year of birth"), validators=[
        OneValue(), DataRequired(message=YEAR_MESSAGE),
        NumberRange(min=1900, max=2100, message=YEAR_MESSAGE)])


def is_open(enrolment: Enrolment, today: date) -> bool:
    """A link works from enrolment until the follow-up days are over, unless a nurse ended it."""
    if today > enrolment.procedure_date + timedelta(days=enrolment.follow_days):
        return False
    ended = db.session.scalar(select(EnrolmentEnd.id).filter_by(enrolment_id=enrolment.id))
    return ended is None


def _find(token: str) -> Enrolment | None:
    """The enrolment of a token, if any."""
    return db.session.scalar(select(Enrolment).filter_by(token_hash=token_hash(token)))


def _opened(token: str) -> Enrolment | None:
    """The enrolment, if this browser opened it with the year of birth and it is still open."""
    enrolment = _find(token)
    if (enrolment is None or session.get(OPENED) != enrolment.token_hash
            or not is_open(enrolment, clinic_today())):
        return None
    return enrolment


def _carried() -> list[tuple[str, str]]:
    """A check-in's answers posted to a page that must first ask the year again."""
    return [(k, v) for k, v in request.form.items(multi=True) if k not in OWN_FIELDS]


def _year_page(token: str, form: YearForm, status: int = 200, refused: str = "") -> Any:
    """The year-of-birth page, carrying any answers of a check-in it interrupted."""
    summary = [(form.year.id, f"{form.year.label.text}: {message}") for message in form.year.errors]
    return render_template("followup/year.html", form=form, token=token, refused=refused,
                           summary=summary,
                           carried=_carried() if request.method == "POST" else []), status


@bp.route("/<token>", methods=["GET"])
def open_link(token: str) -> Any:
    """Ask for the year of birth; the page is the same whether or not the link exists."""
    return _year_page(token, YearForm())


@bp.route("/<token>", methods=["POST"])
@limiter.limit(YEAR_LIMIT)
def confirm_year(token: str) -> Any:
    """Open the patient's pages when the link is live and the year matches; else say nothing."""
    form = YearForm()
    if not form.validate_on_submit():
        return _year_page(token, form, 400)
    enrolment = _find(token)
    if (enrolment is None or enrolment.date_of_birth.year != form.year.data
            or not is_open(enrolment, clinic_today())):
        return _year_page(token, YearForm(formdata=None), 403, not_opened())
    session[OPENED] = token_hash(token)
    if _carried():  # a check-in was under way: it goes on where it was, every answer kept
        return serve_check(checkin_kind(enrolment, token), posted=True)
    chosen = request.form.get(LANG_FIELD) or enrolment.language
    return Response(status=303, headers={
        "Location": url_for("followup_patient.history", token=token, lang=chosen)})


@bp.route("/<token>/checkin", methods=["GET", "POST"])
@csrf.exempt  # nothing is stored without this browser's session, sent only from this site
def checkin(token: str) -> Any:
    """Today's check-in: the steps of the check, with the day count filled in."""
    enrolment = _opened(token)
    if enrolment is None:
        if request.method == "POST":  # the session ended mid-way: ask the year, keep answers
            return _year_page(token, YearForm(formdata=None), 401)
        return Response(status=303, headers={
            "Location": url_for("followup_patient.open_link", token=token)})
    return serve_check(checkin_kind(enrolment, token), posted=request.method == "POST")


@bp.route("/<token>/history")
def history(token: str) -> Response | str:
    """The patient's own check-ins, newest first, with a chart of pain over the days."""
    enrolment = _opened(token)
    if enrolment is None:
        return Response(status=303, headers={
            "Location": url_for("followup_patient.open_link", token=token)})
    checkins = list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment.id)
                                       .order_by(CheckIn.submitted_at.desc())))
    from checker.followup.chart import pain_chart

    protocol = in_language(load_protocol(), language())
    headlines = {d.id: d.headline for d in protocol.dispositions}
    zone = clinic_zone(current_app.config)
    return render_template(
        "followup/history.html", headlines=headlines, token=token,
        checkins=[(local(c.submitted_at, zone).date(), c) for c in checkins],
        chart=pain_chart([(c.day_count, c.pain_score) for c in checkins],
                         title=_("Pain over the days")))
