"""The patient's personal link: the year of birth first, then their own follow-up page."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange

from checker.extensions import db, limiter
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, token_hash
from checker.validators import OneValue

bp = Blueprint("followup_patient", __name__, url_prefix="/followup")
# Guessing a year takes at most a hundred tries: a few a minute makes that slow and visible.
YEAR_LIMIT = "5 per minute"
# The enrolment this browser has opened, keyed by the token's hash (never the token itself).
OPENED = "followup_opened"
# One message for an unknown, ended or expired link and a wrong year: nothing is given away.
NOT_OPENED = ("This link and year of birth do not open a check-in. If your follow-up has ended "
              "or the link does not work, please call the clinic.")


class YearForm(FlaskForm):
    """The patient's year of birth, asked before anything else."""

    year = IntegerField("Your year of birth", validators=[
        OneValue(), DataRequired(message="Enter your year of birth, for example 1948."),
        NumberRange(min=1900, max=2100, message="Enter your year of birth, for example 1948.")])


def is_open(enrolment: Enrolment, today: date) -> bool:
    """A link works from enrolment until the follow-up days are over, unless a nurse ended it."""
    if today > enrolment.procedure_date + timedelta(days=enrolment.follow_days):
        return False
    ended = db.session.scalar(select(EnrolmentEnd.id).filter_by(enrolment_id=enrolment.id))
    return ended is None


def _find(token: str) -> Enrolment | None:
    """The enrolment of a token, if any."""
    return db.session.scalar(select(Enrolment).filter_by(token_hash=token_hash(token)))


@bp.route("/<token>", methods=["GET"])
def open_link(token: str) -> str:
    """Ask for the year of birth; the page is the same whether or not the link exists."""
    return render_template("followup/year.html", form=YearForm(), token=token)


@bp.route("/<token>", methods=["POST"])
@limiter.limit(YEAR_LIMIT)
def confirm_year(token: str) -> Response | tuple[str, int]:
    """Open the patient's page when the link is live and the year matches; else say nothing."""
    form = YearForm()
    if not form.validate_on_submit():
        return render_template("followup/year.html", form=form, token=token), 400
    enrolment = _find(token)
    if (enrolment is None or enrolment.date_of_birth.year != form.year.data
            or not is_open(enrolment, date.today())):
        return render_template("followup/year.html", form=YearForm(formdata=None), token=token,
                               refused=NOT_OPENED), 403
    session[OPENED] = token_hash(token)
    return Response(status=303, headers={
        "Location": url_for("followup_patient.history", token=token)})


@bp.route("/<token>/history")
def history(token: str) -> Response | str:
    """The patient's own check-ins, newest first, with a chart of pain over the days."""
    enrolment = _find(token)
    if (enrolment is None or session.get(OPENED) != enrolment.token_hash
            or not is_open(enrolment, date.today())):
        return Response(status=303, headers={
            "Location": url_for("followup_patient.open_link", token=token)})
    checkins = list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment.id)
                                       .order_by(CheckIn.submitted_at.desc())))
    from checker.followup.chart import pain_chart

    return render_template("followup/history.html", checkins=checkins,
                           chart=pain_chart([(c.day_count, c.pain_score) for c in checkins]))
