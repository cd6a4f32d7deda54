"""Reports for an administrator: calls per day and nurse, dispositions, overrides; each also
as a CSV file of its own."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from checker import audit as audit_log
from checker.clock import clinic_zone, day_bounds, local
from checker.extensions import db
from checker.nurse import bp
from checker.nurse.models import Encounter
from checker.wording import disposition_label
from rules import load_protocol

DEFAULT_DAYS = 30
MAX_DAYS = 366
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Each report is a CSV file of its own: its name in the address, its title and its columns.
CSV_REPORTS = {
    "calls-per-day": ("Calls per day", ("Day", "Calls")),
    "calls-per-nurse": ("Calls per nurse", ("Nurse", "Calls")),
    "final-dispositions": ("Final dispositions", ("Final disposition", "Calls")),
    "raised": ("Raised by the nurse", ("Call started", "Nurse", "Protocol disposition",
                                       "Final disposition", "Reason")),
    "lowered": ("Lowered by the nurse", ("Call started", "Nurse", "Protocol disposition",
                                         "Final disposition", "Reason")),
}


@dataclass
class Report:
    """The counts and overrides of the saved calls started in a span of the clinic's days."""

    first: date
    last: date
    per_day: Counter[date] = field(default_factory=Counter)
    per_nurse: Counter[str] = field(default_factory=Counter)
    dispositions: Counter[str] = field(default_factory=Counter)
    raised: list[Encounter] = field(default_factory=list)
    lowered: list[Encounter] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many calls the span holds."""
        return sum(self.per_day.values())

    @property
    def days(self) -> list[tuple[date, int]]:
        """Every day of the span with its count, quiet days included (the chart's columns)."""
        span = (self.last - self.first).days + 1
        return [(d, self.per_day[d]) for d in (self.first + timedelta(n) for n in range(span))]

    @property
    def busy_days(self) -> list[tuple[date, int]]:
        """The days with at least one call: the table lists these and folds the quiet ones."""
        return [(d, count) for d, count in self.days if count]

    @property
    def quiet_days(self) -> int:
        """How many days of the span had no call."""
        return len(self.days) - len(self.busy_days)


def read_span(args: Mapping[str, str], today: date) -> tuple[date, date, dict[str, str]]:
    """The first and last day asked for (the last 30 days by default), and any message."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {"to": today, "from": today - timedelta(days=DEFAULT_DAYS - 1)}
    for key, label in (("from", "From"), ("to", "To")):
        raw = (args.get(key) or "").strip()
        if not raw:
            continue
        try:
            days[key] = date.fromisoformat(raw)
        except ValueError:
            errors[key] = f"{label}: enter the date as YYYY-MM-DD, for example 2025-03-14."
    if not errors and days["from"] > days["to"]:
        errors["from"] = "From: the first day must not be after the last day."
    if not errors and (days["to"] - days["from"]).days >= MAX_DAYS:
        errors["from"] = f"From: a report covers at most {MAX_DAYS} days."
    return days["from"], days["to"], errors


def build_report(first: date, last: date, protocol_rank: Mapping[str, int]) -> Report:
    """Count the saved calls started from the first to the last clinic day."""
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    query = (select(Encounter).where(Encounter.started_at >= start, Encounter.started_at < end)
             .order_by(Encounter.started_at))
    zone = clinic_zone(current_app.config)
    report = Report(first=first, last=last)
    for call in db.session.scalars(query):
        report.per_day[local(call.started_at, zone).date()] += 1
        report.per_nurse[call.nurse_name] += 1
        report.dispositions[call.final_disposition] += 1
        if call.final_disposition != call.engine_disposition:
            final = protocol_rank.get(call.final_disposition, 0)
            engine = protocol_rank.get(call.engine_disposition, 0)
            (report.lowered if final > engine else report.raised).append(call)
    return report


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(report: Report, name: str) -> Iterable[Sequence[str]]:
    """One report as CSV rows: its own columns, then a row for each day, nurse or call."""
    yield CSV_REPORTS[name][1]
    if name == "calls-per-day":
        yield from ((day.isoformat(), str(count)) for day, count in report.days)
    elif name == "calls-per-nurse":
        yield from ((nurse, str(count)) for nurse, count in sorted(report.per_nurse.items()))
    elif name == "final-dispositions":
        yield from ((disposition_label(d), str(count))
                    for d, count in sorted(report.dispositions.items()))
    else:
        zone = clinic_zone(current_app.config)
        for call in report.raised if name == "raised" else report.lowered:
            yield (local(call.started_at, zone).strftime("%Y-%m-%d %H:%M %Z"), call.nurse_name,
                   disposition_label(call.engine_disposition),
                   disposition_label(call.final_disposition), call.override_reason)


def to_csv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text, every cell made safe for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _opened(action: str) -> tuple[Report | None, dict[str, str], date, date]:
    """The asked-for report, audited like a list of calls; administrators only."""
    if not current_user.is_admin:
        abort(403)
    today = local(datetime.now().astimezone(), clinic_zone(current_app.config)).date()
    first, last, errors = read_span(request.args, today)
    if errors:
        return None, errors, first, last
    report = build_report(first, last, load_protocol().rank)
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action=action)
    db.session.commit()
    return report, errors, first, last


@bp.route("/reports")
@login_required
def reports() -> str | tuple[str, int]:
    """The report page: counts, a bar chart of calls per day, and the overrides."""
    report, errors, first, last = _opened("report")
    page = render_template("nurse/reports.html", report=report, errors=errors,
                           first=first, last=last, label=disposition_label,
                           zone=clinic_zone(current_app.config), local=local,
                           csv_reports=CSV_REPORTS)
    return (page, 400) if errors else page


@bp.route("/reports/<name>.csv")
@login_required
def reports_csv(name: str) -> Response | tuple[str, int]:
    """One report as a CSV file of its own, safe to open in a spreadsheet."""
    if name not in CSV_REPORTS:
        abort(404)
    report, errors, first, last = _opened("report_csv")
    if report is None:
        return render_template("nurse/reports.html", report=None, errors=errors, first=first,
                               last=last, label=disposition_label, csv_reports=CSV_REPORTS), 400
    filename = f"{name}-{first.isoformat()}-to-{last.isoformat()}.csv"
    return Response(to_csv(csv_rows(report, name)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
