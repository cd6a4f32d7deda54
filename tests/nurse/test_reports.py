"""Reports for an administrator: counts, overrides with reasons, a chart and a safe CSV."""

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.nurse.models import Encounter
from checker.nurse.reports import safe_cell
from tests.nurse.conftest import CALM_ANSWERS, add_nurse, call_data, new_call, sign_in

FORMULA = "=HYPERLINK(\"http://example.invalid\",\"x\")"


def save(client: FlaskClient, answers: dict[str, str] | None = None, **fields: str) -> None:
    """Save one call."""
    response = client.post("/nurse/call", data=call_data(new_call(client), answers, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def calls(app: Flask, client: FlaskClient) -> None:
    """Three calls by ann: one as the protocol says, one raised, one lowered with a reason."""
    save(client)
    save(client, final_disposition="call_doctor_now")
    save(client, dict(CALM_ANSWERS, new_back_pain="yes"), final_disposition="self_care",
         override_reason=FORMULA)


def actions(app: Flask) -> list[str]:
    """The audit log's actions, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_administrator_sees_counts_a_chart_and_the_overrides(
    app: Flask, calls: None, admin: FlaskClient
) -> None:
    with app.app_context():
        started = db.session.scalar(select(Encounter.started_at).limit(1))
    day = started.astimezone().date()  # the clinic's zone is the server's here
    response = admin.get(f"/nurse/reports?from={day - timedelta(days=29)}&to={day}")
    html = response.get_data(as_text=True)
    today = day.isoformat()
    assert response.status_code == 200
    assert "3 saved calls from" in html
    assert "<td>ann</td><td>3</td>" in html
    assert "<td>SELF CARE</td><td>2</td>" in html
    assert "<td>CALL DOCTOR NOW</td><td>1</td>" in html
    assert "<caption>Raised by the nurse: 1 <a" in html
    assert "<caption>Lowered by the nurse: 1 <a" in html
    assert "<td>CALL DOCTOR TODAY</td><td>SELF CARE</td>" in html
    assert "=HYPERLINK(&#34;http://example.invalid&#34;" in html  # shown as text, escaped
    # The busiest nurse's bar is the full width; today's column the full height, a quiet
    # day's none; the chart's axes say what they count, from 0 to the busiest day's 3.
    assert '<rect width="240.0" height="16">' in html
    assert f'<rect x="696" y="0.0" width="23" height="120.0"><title>{today}: 3</title>' in html
    assert '<rect x="0" y="120.0" width="23" height="0.0">' in html
    assert '>Calls</text>' in html and ">Day (the clinic's)</text>" in html
    assert 'text-anchor="end">0</text>' in html and 'text-anchor="end">3</text>' in html
    # The table lists the one busy day and folds the 29 quiet ones.
    assert f"<td>{today}</td><td>3</td>" in html and "<td>0</td>" not in html
    assert "29 days with no call are not listed (the CSV has every day)." in html
    for name in ("calls-per-day", "calls-per-nurse", "final-dispositions", "raised", "lowered"):
        assert f"/nurse/reports/{name}.csv?" in html
    assert "style=" not in html.split("<main", 1)[1]
    assert actions(app)[-1] == "report"


def _csv(admin: FlaskClient, name: str) -> list[list[str]]:
    """One report's CSV file, read back."""
    response = admin.get(f"/nurse/reports/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{name}-' in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_each_report_is_a_csv_file_of_its_own_safe_against_spreadsheet_formulas(
    app: Flask, calls: None, admin: FlaskClient
) -> None:
    lowered = _csv(admin, "lowered")
    assert lowered[0] == ["Call started", "Nurse", "Protocol disposition", "Final disposition",
                          "Reason"]
    assert lowered[1:] == [[lowered[1][0], "ann", "CALL DOCTOR TODAY", "SELF CARE",
                            "'" + FORMULA]]
    assert _csv(admin, "raised")[1][1:4] == ["ann", "SELF CARE", "CALL DOCTOR NOW"]
    assert _csv(admin, "calls-per-nurse") == [["Nurse", "Calls"], ["ann", "3"]]
    assert _csv(admin, "final-dispositions") == [
        ["Final disposition", "Calls"], ["CALL DOCTOR NOW", "1"], ["SELF CARE", "2"]]
    days = _csv(admin, "calls-per-day")
    assert days[0] == ["Day", "Calls"] and len(days) == 31  # every day, the quiet ones too
    assert sum(int(count) for _, count in days[1:]) == 3
    assert actions(app)[-1] == "report_csv"
    assert admin.get("/nurse/reports/everything.csv").status_code == 404


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_starts_with_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_a_plain_cell_is_left_alone() -> None:
    assert safe_cell("Old pain, seen by the surgeon") == "Old pain, seen by the surgeon"
    assert safe_cell(3) == "3"


def test_a_nurse_who_is_not_an_administrator_gets_the_consoles_403(
    app: Flask, client: FlaskClient
) -> None:
    for path in ("/nurse/reports", "/nurse/reports/calls-per-day.csv"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "nurse-nav" in html and 'href="tel:911"' in html
    assert "report" not in actions(app)


def test_bad_dates_are_named_and_nothing_is_reported(app: Flask, admin: FlaskClient) -> None:
    response = admin.get("/nurse/reports?from=14/03/2025&to=2025-03-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#report-from">From: enter the date as YYYY-MM-DD' in html
    assert "report" not in actions(app)
    backwards = admin.get("/nurse/reports?from=2025-03-02&to=2025-03-01")
    assert "From: the first day must not be after the last day." in backwards.get_data(
        as_text=True)


def test_a_report_counts_only_its_days(app: Flask, calls: None, admin: FlaskClient) -> None:
    html = admin.get("/nurse/reports?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert "0 saved calls from 2020-01-01 to 2020-01-31" in html
    assert "<td>2020-01-31</td>" not in html and "No calls." in html


def test_reports_are_not_open_to_someone_signed_out(app: Flask) -> None:
    add_nurse(app, "ada", admin=True)
    stranger = app.test_client()
    assert stranger.get("/nurse/reports").status_code == 302
    assert sign_in(stranger, "ada").status_code == 302
    assert stranger.get("/nurse/reports").status_code == 200
