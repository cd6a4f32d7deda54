"""The result taken in at a glance: one call button chosen by the office's hours, the code
beside it, three things to do now, and the signs to call about that the patient does not have."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

import checker.public.outcome as outcome_module
from checker.public.outcome import ADVICE_SHOWN, call_if, lines, office_open, outcome
from checker.settings import ConfigError, check, defaults, from_environment
from rules import assess, fill, load_protocol
from rules.translations import in_language
from tests.checker.check_pages import page_of
from tests.checker.samples import CALM_FORM, make_app

PROTOCOL = load_protocol()
NUMBERS = {"CLINIC_NAME": "the spine clinic", "CLINIC_PHONE": "555-0100",
           "AFTER_HOURS_PHONE": "555-0199"}
HOURS = {**NUMBERS, "OFFICE_HOURS": "Mon-Fri 08:00-17:00", "CLINIC_TIMEZONE": "UTC"}
# A Monday at 10:00 and at 22:00, and a Saturday at 10:00 (UTC, the clinic's zone here).
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MONDAY_NIGHT = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
FEVER = {"temperature_value": "39", "temperature_unit": "C", "feels_feverish": "yes"}


def _config(**settings: str) -> dict[str, Any]:
    return {**defaults(), **settings}


def _answers(**changes: Any) -> dict[str, Any]:
    """Calm answers with some changed, as the engine takes them."""
    calm = {q.id: None for q in PROTOCOL.questions}
    calm.update(chest_symptoms=False, leg_weakness=False, bladder_bowel=False, fainted=False,
                bleeding="none", numbness_tingling=False,
                temperature={"value": 98.6, "unit": "F"}, drainage=False, headache="none",
                pain_score=2, pain_relieved=True, activity="light", pain_trend="better",
                swelling="none", redness="none", feels_feverish=False, new_back_pain=False,
                days_since_procedure=2, osteoporosis=False, blood_thinner=False)
    calm.update(changes)
    return {k: v for k, v in calm.items() if v is not None}


def _result_page(app: Flask, **changes: str) -> Any:
    return page_of(app.test_client().post("/", data={**CALM_FORM, **changes}))


@pytest.mark.parametrize(("moment", "button", "other"), [
    (MONDAY_MORNING, "555-0100", "555-0199"),
    (MONDAY_NIGHT, "555-0199", "555-0100"),
    (SATURDAY, "555-0199", "555-0100"),
])
def test_call_your_doctor_now_rings_the_line_that_answers_now(
    app: Flask, moment: datetime, button: str, other: str
) -> None:
    with app.test_request_context():
        first, second = lines("doctor_now", _config(**HOURS), "en", moment)
    assert first is not None and second is not None
    assert (first.number, second.number) == (button, other)
    in_hours = button == "555-0100"
    assert first.words == ("Call the spine clinic" if in_hours else "Call the after-hours line")
    assert second.aside == ("Out of office hours, call the after-hours line:" if in_hours
                            else "In office hours, call the spine clinic:")


def test_without_office_hours_the_office_is_the_button_and_after_hours_the_link(
    app: Flask,
) -> None:
    with app.test_request_context():
        assert office_open(_config(**NUMBERS), MONDAY_NIGHT) is None
        first, second = lines("doctor_now", _config(**NUMBERS), "en", MONDAY_NIGHT)
    assert first is not None and first.number == "555-0100"
    assert second is not None and second.number == "555-0199"


def test_with_one_number_set_that_number_is_the_button(app: Flask) -> None:
    only_after = {**HOURS, "CLINIC_PHONE": ""}
    with app.test_request_context():
        assert lines("doctor_now", _config(**only_after), "en", MONDAY_MORNING) == (
            lines("doctor_now", _config(**only_after), "en", MONDAY_NIGHT))
        first, second = lines("doctor_now", _config(**only_after), "en", MONDAY_MORNING)
    assert first is not None and first.number == "555-0199" and second is None


@pytest.mark.parametrize("moment", [MONDAY_MORNING, MONDAY_NIGHT])
def test_the_office_result_rings_the_office_and_the_emergency_only_the_emergency_line(
    app: Flask, moment: datetime
) -> None:
    with app.test_request_context():
        office, no_other = lines("office", _config(**HOURS), "en", moment)
        emergency, nothing = lines("emergency", _config(**HOURS), "en", moment)
        nobody = lines("", _config(**HOURS), "en", moment)
    assert office is not None and office.number == "555-0100" and no_other is None
    assert emergency is not None and emergency.number == "911" and nothing is None
    assert nobody == (None, None)


def test_office_hours_are_read_from_the_environment_and_a_bad_one_is_refused() -> None:
    read = from_environment({"RECOVERY_CHECK_ENV": "development",
                             "OFFICE_HOURS": " Mon-Fri 08:00-17:00 "})
    assert read["OFFICE_HOURS"] == "Mon-Fri 08:00-17:00"
    with pytest.raises(ConfigError, match="OFFICE_HOURS"):
        check({**defaults(), "SECRET_KEY": "x", "OFFICE_HOURS": "weekdays 9 to 5"})


def test_the_call_list_leaves_out_the_signs_the_patient_already_has() -> None:
    result = assess(_answers(temperature={"value": 39, "unit": "C"}, feels_feverish=True),
                    PROTOCOL)
    matched = {reason["rule"] for reason in result["reasons"]}
    assert matched == {"N2", "T4"}
    listed = [sign for _, signs in call_if(PROTOCOL, result, "911") for sign in signs]
    signs = {r.id: r.sign for r in PROTOCOL.rules}
    assert signs["N2"] not in listed and signs["T4"] not in listed
    assert sorted(listed) == sorted(s for rule, s in signs.items() if rule not in matched)
    actions = [action for action, _ in call_if(PROTOCOL, result, "911")]
    assert actions == [fill(d.call_back_action, "911") for d in PROTOCOL.dispositions
                       if d.call_back_action]


def test_an_emergency_has_no_call_list_and_all_its_advice() -> None:
    result = assess(_answers(bleeding="uncontrolled"), PROTOCOL)
    assert call_if(PROTOCOL, result, "911") == []
    shown = outcome(PROTOCOL, result, _config(), MONDAY_MORNING)
    assert shown.advice_now == [item["text"] for item in result["advice"]]
    assert shown.advice_more == [] and shown.button is not None


def test_three_things_to_do_now_and_the_rest_kept_in_order() -> None:
    result = assess(_answers(bleeding="spotting", swelling="stable"), PROTOCOL)
    advice = [item["text"] for item in result["advice"]]
    assert len(advice) > ADVICE_SHOWN
    shown = outcome(PROTOCOL, result, _config(), MONDAY_MORNING)
    assert shown.advice_now == advice[:ADVICE_SHOWN]
    assert shown.advice_now + shown.advice_more == advice


def test_the_fever_result_puts_one_button_and_the_code_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outcome_module, "utcnow", lambda: MONDAY_NIGHT)
    page = _result_page(make_app(**HOURS), **FEVER)
    html = page.html
    assert html.count("button-call ") == 1
    assert ('<a class="button button-call button-call-doctor" href="tel:5550199">'
            '<span class="call-words">Call the after-hours line</span> '
            '<span class="number">555-0199</span></a>') in html
    assert ('In office hours, call the spine clinic: <a class="phone" href="tel:5550100">'
            '555-0100</a>') in html
    code = re.search(r'<p class="code" lang="en">([0-9A-Z ]+)</p>', html)
    assert code is not None and "Have this code ready when you call:" in page.text
    assert html.index("button-call") < html.index("code-box") < html.index("While you wait")
    # The signs the patient has are not in the list; the list is for someone yet to call.
    start = html.index('class="call-back"')
    calls = html[start:html.index("</section>", start)]
    assert "fever of" not in calls and "chills" not in calls
    assert "When to call" in page.text and "call back" not in page.text.replace(
        "call back if things change", "")


def test_the_emergency_result_is_the_headline_the_button_and_what_to_do_alone() -> None:
    page = _result_page(make_app(**NUMBERS), bleeding="uncontrolled")
    main = page.html[page.html.index('<div class="result'):page.html.index("</main>")]
    visible = re.sub(r'<input type="hidden"[^>]*>', "", main)
    texts = [t.strip() for t in re.sub(r"<[^>]+>", "\n", visible).split("\n") if t.strip()]
    advice = next(a.text for a in PROTOCOL.advice if a.id == "call_911")
    assert texts == [fill(PROTOCOL.disposition("emergency").headline, "911"), "Call", "911",
                     fill(advice, "911")]


def test_the_page_carries_the_date_and_the_answers_for_paper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outcome_module, "utcnow", lambda: MONDAY_MORNING)
    page = _result_page(make_app(CLINIC_TIMEZONE="UTC"), pain_trend="worse")
    assert "Checked on December 7, 2026 at 10:00" in page.text
    answers = page.html[page.html.index('class="print-only answers"'):]
    assert "Compared with yesterday, is your pain better, the same or worse?" in answers
    assert "<dd>Worse</dd>" in answers


def test_spanish_words_the_button_and_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outcome_module, "utcnow", lambda: MONDAY_MORNING)
    app = make_app(**HOURS)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    page = page_of(client.post("/", data={**CALM_FORM, **FEVER}))
    assert '<span class="call-words">Llame a the spine clinic</span>' in page.html
    assert "Cuando llame, tenga a mano este código:" in page.text
    assert "Fuera del horario de la oficina, llame a la línea de después de horas:" in page.text
    spanish = in_language(PROTOCOL, "es")
    assert fill(spanish.disposition("call_doctor_today").call_back_action, "911") in page.text
    assert "Más consejos" in page.text and "Cuándo llamar" in page.text
