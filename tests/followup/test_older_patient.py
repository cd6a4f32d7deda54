"""Follow-up for an older patient: saved first, done for today, history as cards, the sheet in
the patient's language, a calm page when a limit is reached."""

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from checker.followup.checkin import clinic_today
from tests.checker.check_pages import page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.followup.test_enrolment import code_on, enrolment_form
from tests.nurse.conftest import add_nurse


def _opened(app: Flask, **fields) -> FlaskClient:
    """A patient's browser with their follow-up open."""
    add_nurse(app)
    _, code = enrol(app, **fields)
    patient = app.test_client()
    assert open_followup(patient, code).status_code == 303
    return patient


def _today(app: Flask) -> date:
    with app.test_request_context():
        return clinic_today()


def test_once_today_is_stored_the_history_says_done_for_today_and_when_next(app: Flask) -> None:
    # The stored patient's one check-in is today.
    patient = _opened(app, procedure_date=date.today() - timedelta(days=2))
    html = patient.get("/followup/history").get_data(as_text=True)
    tomorrow = format_date(_today(app) + timedelta(days=1), "full", locale="en")
    assert "Done for today" in html
    assert f"Check in again tomorrow, {tomorrow}." in html
    assert ">Check in today<" not in html
    assert "Check in again today" in html  # a plain link, not the main button
    assert 'class="button"' not in html


def test_before_todays_check_in_the_history_offers_check_in_today(app: Flask) -> None:
    patient = _opened(app, procedure_date=date.today() - timedelta(days=5),
                      created_at=datetime_days_ago(3))
    html = patient.get("/followup/history").get_data(as_text=True)
    assert '<a class="button" href="/followup/checkin' in html and ">Check in today<" in html
    assert "Done for today" not in html


def test_on_the_last_day_done_says_it_was_the_last_check_in(app: Flask) -> None:
    patient = _opened(app, procedure_date=date.today() - timedelta(days=28), follow_days=28)
    html = patient.get("/followup/history").get_data(as_text=True)
    assert "That was the last day of your check-ins." in html
    assert "tomorrow" not in html and "Check in again today" not in html


def test_done_for_today_in_spanish(app: Flask) -> None:
    patient = _opened(app, procedure_date=date.today() - timedelta(days=2), language="es")
    html = patient.get("/followup/history?lang=es").get_data(as_text=True)
    tomorrow = format_date(_today(app) + timedelta(days=1), "full", locale="es")
    assert "Listo por hoy" in html and f"Haga su próximo control mañana, {tomorrow}." in html


def datetime_days_ago(days: int):
    from checker.clock import utcnow

    return utcnow() - timedelta(days=days)


def test_the_history_is_cards_and_the_charts_labels_are_page_text(app: Flask) -> None:
    patient = _opened(app, procedure_date=date.today() - timedelta(days=2))
    html = patient.get("/followup/history").get_data(as_text=True)
    assert "<table" not in html
    cards = re.findall(r'<li class="checkin-card">(.*?)</li>', html, re.S)
    assert len(cards) == 1
    assert "<dt>Pain (0 to 10)</dt><dd>3</dd>" in cards[0]
    assert "<dt>Day after the procedure</dt><dd>4</dd>" in cards[0]
    # The plot has no text of its own: its labels are the page's, so never smaller than it.
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg and "<text" not in svg.group(0) and "font-size" not in svg.group(0)
    assert 'aria-label="Pain over the days: Day 4: pain 3 of 10"' in svg.group(0)
    scale = re.search(r'<p class="chart-scale" aria-hidden="true">(.*?)</p>', html)
    assert scale and scale.group(1) == "<span>10</span><span>0</span>"
    assert '<p class="chart-days" aria-hidden="true"><span>Day 4</span><span>Day 5</span>' in html


def test_a_stored_check_ins_result_says_saved_right_after_the_result_box(app: Flask) -> None:
    patient = _opened(app, procedure_date=date.today() - timedelta(days=2))
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin")
    result = press(patient, review, action="submit")
    html = result.html
    saved = html.index('id="checkin-saved"')
    assert "Your check-in is saved" in html[saved:saved + 200]
    assert html.index('class="result ') < saved < html.index('id="watch-title"')
    assert saved < html.index('id="why"')
    assert format_date(_today(app), "full", locale="en") in html[saved:saved + 300]


@pytest.mark.parametrize("phone", ["555 0199", ""])
def test_a_limit_reached_is_a_calm_page_with_the_clinics_number(app: Flask, phone: str) -> None:
    app.config.update(CLINIC_PHONE=phone, CLINIC_NAME="Riverside Spine Clinic")
    patient = app.test_client()
    for _ in range(10):
        response = patient.post("/followup", data={"code": "x", "year": "1"})
    response = patient.post("/followup", data={"code": "x", "year": "1"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    # The code page's own hold page, or the general page: either way calm.
    assert "Error 429" not in html and "result-emergency" not in html
    assert "Do not drive yourself" not in html
    assert "In an emergency, call" in html  # the header and footer, as on every page
    if phone:
        assert "555 0199" in html
    else:
        assert "discharge papers" in html


def test_the_general_429_page_is_calm(app: Flask) -> None:
    from flask import abort

    app.config.update(CLINIC_PHONE="555 0199", CLINIC_NAME="Riverside Spine Clinic")

    @app.route("/too-many")
    def too_many():
        abort(429)

    response = app.test_client().get("/too-many")
    page = page_of(response)
    assert response.status_code == 429
    assert page.title == "Too many tries"
    assert "Please wait a minute, then try again." in page.text
    assert "If you need help now, call Riverside Spine Clinic: 555 0199" in page.text
    assert "Error 429" not in page.text and "Do not drive yourself" not in page.text
    assert 'class="result' not in page.html and "button-call" not in page.html
    assert "In an emergency, call 911 ." in page.text  # the footer's calm line


def test_the_sheet_is_in_the_patients_language_with_a_print_button(
    app: Flask, client: FlaskClient,
) -> None:
    app.config.update(CLINIC_PHONE="555 0199")
    html = client.post("/nurse/followup/enrol", data=enrolment_form(language="es")
                       ).get_data(as_text=True)
    code = code_on(html)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", code)
    sheet = html[html.index('<article class="followup-sheet" lang="es">'):html.index("</article>")]
    procedure = format_date(date.today() - timedelta(days=2), "full", locale="es")
    assert "Su control diario de recuperación" in sheet
    assert f"después de su cifoplastia del {procedure}" in sheet
    assert "Escriba su código:" in sheet and "http://localhost/followup</strong>" in sheet
    assert "En una emergencia, llame al 911" in sheet and "555 0199" in sheet
    assert "Your daily" not in sheet and "Type your code" not in sheet
    assert 'class="button print-button"' in html and "print.js" in html


def test_an_english_sheet_stays_in_english(app: Flask, client: FlaskClient) -> None:
    html = client.post("/nurse/followup/enrol", data=enrolment_form()).get_data(as_text=True)
    assert '<article class="followup-sheet" lang="en">' in html
    assert "Your daily recovery check-in" in html and "after your kyphoplasty" in html
