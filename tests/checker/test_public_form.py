"""The self-check in steps: built from the protocol, strict about answers, never losing one."""

import re
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from checker.public.steps import steps_for
from rules import fill, load_protocol
from tests.checker.check_pages import page_of, press, start, walk
from tests.checker.samples import CALM_FORM, FORM_FOR, form_answers, make_app

CALM = form_answers("self_care")
# The served protocol's own words, so that rewording it changes no test.
PROTOCOL = load_protocol()
HEADLINES = {d.id: fill(d.headline, "911") for d in PROTOCOL.dispositions}


def _words(text: str) -> str:
    """A protocol text as a page's words show it: the number filled in, spaces squeezed."""
    return " ".join(fill(text, "911").split())


def _submit(client: FlaskClient, **changes: str | None):
    """Post every answer at once from "Check your answers"; None leaves a field out."""
    data = {**CALM_FORM, **changes}
    return page_of(client.post("/", data={k: v for k, v in data.items() if v is not None}))


def test_the_first_step_is_the_emergency_signs_alone(client: FlaskClient) -> None:
    page = start(client)
    emergency = {q.id for q in load_protocol().questions_in("emergency")}
    assert page.status == 200
    assert page.visible == emergency
    group = next(g for g in PROTOCOL.groups if g.id == "emergency")
    assert _words(group.title) in page.text and "Step 1 of" in page.text


def test_only_the_red_flags_step_is_drawn_in_the_red_box(client: FlaskClient) -> None:
    """The box follows the protocol's red-flag group, whatever that group's id."""
    red_box = 'class="group group-red-flags"'
    assert red_box in start(client).html
    later = client.post("/", data={**{k: "no" for k in start(client).visible},
                                   "step": steps_for(load_protocol())[0].id, "action": "next"})
    assert later.status_code == 200 and "Step 2 of" in later.text
    assert red_box not in later.text and 'class="group"' in later.text


def test_every_question_is_asked_on_exactly_one_step_in_the_protocols_order() -> None:
    protocol = load_protocol()
    asked = [q.id for step in steps_for(protocol) for q in step.questions]
    assert asked == [q.id for q in protocol.questions]


def test_walking_the_steps_with_calm_answers_reaches_check_your_answers(
    client: FlaskClient,
) -> None:
    page, seen = walk(client, CALM)
    assert page.step == "review", page.text[:300]
    assert page.title == "Check your answers"
    shown = set().union(*(p.visible for p in seen))
    for question in load_protocol().questions:  # each question's field was on some step
        assert question.id in shown or f"{question.id}_value" in shown
    assert all(p.status == 200 for p in seen)
    assert len(seen) - 1 == len(steps_for(load_protocol()))  # every step, then the review


def test_check_your_answers_lists_every_answer_in_words_with_a_change_button(
    client: FlaskClient,
) -> None:
    page, _ = walk(client, {**CALM, "temperature_value": "38,5", "temperature_unit": "C",
                            "bleeding": "spotting"})
    spotting = PROTOCOL.by_id["bleeding"].choice("spotting")
    assert spotting is not None and _words(spotting.text) in page.text
    assert "38.5 °C" in page.text  # read as 38.5, and written the English way
    for step in steps_for(load_protocol()):
        assert f'value="change:{step.id}"' in page.html
    result = press(client, page, action="submit")
    assert result.title == HEADLINES["call_doctor_now"]


def test_a_change_from_check_your_answers_comes_back_to_it(client: FlaskClient) -> None:
    review, _ = walk(client, CALM)
    step = steps_for(load_protocol())[1].id
    changing = press(client, review, action=f"change:{step}")
    assert changing.step == step and ("return_to", "review") in changing.hidden
    back = press(client, changing, {"numbness_tingling": "yes"}, action="next")
    assert back.step == "review"
    assert press(client, back, action="submit").title == HEADLINES["call_doctor_now"]


def test_a_change_that_opens_a_new_question_asks_it_before_the_review(
    client: FlaskClient,
) -> None:
    review, _ = walk(client, {**CALM, "pain_score": "0"})
    relief = _words(PROTOCOL.by_id["pain_relieved"].text)
    assert relief not in review.text  # not asked without pain
    pain = next(s for s in steps_for(load_protocol()) if "pain_score" in s.question_ids)
    changing = press(client, review, action=f"change:{pain.id}")
    relief = press(client, changing, {"pain_score": "9"}, action="next")
    assert relief.visible == {"pain_relieved"}
    again = press(client, relief, {"pain_relieved": "no"}, action="next")
    assert again.step == "review"
    assert press(client, again, action="submit").title == HEADLINES["call_doctor_now"]


def test_yes_to_an_emergency_sign_ends_the_check_in_two_taps(client: FlaskClient) -> None:
    result = press(client, start(client), {"chest_symptoms": "yes"}, action="next")
    assert result.status == 200
    assert result.title == HEADLINES["emergency"]
    button = '<span class="call-words">Call</span> <span class="number">911</span>'
    assert f'href="tel:911">{button}' in result.html
    # The headline, the button and what to do while waiting: no reasons, no list, no code.
    assert "Why" not in result.text and "What to do now" not in result.text
    assert "When to call" not in result.text and "code" not in result.text


RED_FLAGS = [q.id for q in load_protocol().questions_in(load_protocol().red_flags.id)]


@pytest.mark.parametrize("answers", [{}, {RED_FLAGS[0]: "no"},
                                     {q: "no" for q in RED_FLAGS[:-1]}])
def test_the_emergency_step_asks_again_for_what_is_unanswered(
    client: FlaskClient, answers: dict[str, str]
) -> None:
    page = press(client, start(client), answers, action="next")
    assert page.status == 422
    assert "There is a problem" in page.html  # the summary every step uses
    assert page.step == load_protocol().red_flags.id and "Step 1 of" in page.text
    missing = [q for q in RED_FLAGS if q not in answers]
    assert len(page.errors()) == len(missing)
    for question in missing:  # each one a link to its question
        assert f'href="#{question}-yes"' in page.html
    assert page.checked == answers  # kept


def test_the_emergency_step_answered_no_goes_on(client: FlaskClient) -> None:
    answers = {q: "no" for q in RED_FLAGS}
    page = press(client, start(client), answers, action="next")
    assert page.status == 200 and "Step 2 of" in page.text and not page.errors()
    assert {k: v for k, v in page.hidden if k in answers} == answers  # carried on


def test_one_emergency_yes_ends_the_check_with_the_others_unanswered(
    client: FlaskClient,
) -> None:
    page = press(client, start(client), {RED_FLAGS[-1]: "yes"}, action="next")
    assert page.status == 200 and page.title == HEADLINES["emergency"]


def test_an_emergency_answer_on_a_later_step_ends_the_check_at_once(
    client: FlaskClient,
) -> None:
    second = press(client, start(client), {q: "no" for q in RED_FLAGS}, action="next")
    result = press(client, second, {"bleeding": "uncontrolled"}, action="next")
    assert result.title == HEADLINES["emergency"]


def test_an_emergency_answer_wins_whatever_else_is_wrong(client: FlaskClient) -> None:
    result = _submit(client, fainted="yes", pain_score="abc", days_since_procedure=None)
    assert result.status == 200 and result.title == HEADLINES["emergency"]


def test_a_step_left_empty_lists_what_to_answer_and_links_to_each(client: FlaskClient) -> None:
    second = press(client, start(client), {q: "no" for q in RED_FLAGS}, action="next")
    again = press(client, second, {}, action="next")
    assert again.status == 422
    assert again.step == second.step
    assert "There is a problem" in again.html
    assert re.search(r'<a href="#bleeding-none">Is the needle spot bleeding\? – Choose one '
                     r'answer</a>', again.html)
    assert 'id="bleeding-error"' in again.html
    assert again.title.startswith("Error:")


def test_a_step_with_errors_keeps_the_answers_it_was_given(client: FlaskClient) -> None:
    second = press(client, start(client), {q: "no" for q in RED_FLAGS}, action="next")
    again = press(client, second, {"bleeding": "spotting", "temperature_value": "101.3"},
                  action="next")
    assert again.status == 422
    assert again.checked.get("bleeding") == "spotting"
    assert again.typed.get("temperature_value") == "101.3"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("days_since_procedure", "abc", "Enter a whole number from 0 to 365, using digits only"),
        ("days_since_procedure", "-1", "Enter a whole number from 0 to 365, using digits only"),
        ("days_since_procedure", "2.5", "Enter a whole number from 0 to 365, using digits only"),
        ("days_since_procedure", "400", "Enter a whole number from 0 to 365, using digits only"),
        ("days_since_procedure", "", "Enter a whole number from 0 to 365"),
        ("temperature_value", "hot", "Enter your temperature as a number, like 98.6 or 37.0"),
        ("temperature_value", "37,,5", "Enter your temperature as a number, like 98.6 or 37.0"),
        ("temperature_value", "1.000,5", "Enter your temperature as a number, like 98.6 or 37.0"),
        ("temperature_value", "120", "Enter a temperature from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ("temperature_value", "", "Enter your temperature, or leave the box empty if you "
                                  "have not taken it"),
        ("pain_score", "11", "Enter a whole number from 0 to 10, using digits only"),
        ("pain_score", "", "Choose a number from 0 to 10"),
        ("bleeding", "lots", "Choose one of the answers shown"),
        ("chest_symptoms", "maybe", "Choose yes or no"),
        # What a database cannot store, and line breaks in a one-line answer.
        ("temperature_value", "98.6\n", "This answer must be on one line"),
        ("temperature_value", "98\x006", "This answer contains a control character"),
        ("days_since_procedure", "2\r", "This answer must be on one line"),
        ("days_since_procedure", "\u20282", "This answer must be on one line"),
    ],
)
def test_it_refuses_a_bad_answer_with_a_message_beside_its_question(
    client: FlaskClient, field: str, value: str, message: str
) -> None:
    page = _submit(client, **{field: value})
    assert page.status == 422
    assert any(e.startswith(message) for e in page.errors()), page.errors()
    question = field.removesuffix("_value")
    assert f'id="{question}-error"' in page.html
    assert question in {q.id for s in steps_for(load_protocol()) if s.id == page.step
                        for q in s.questions}


def test_pain_relief_is_asked_only_when_there_is_pain(client: FlaskClient) -> None:
    assert _submit(client, pain_relieved=None).status == 422
    assert _submit(client, pain_score="0", pain_relieved=None).status == 200
    assert _submit(client, pain_score="0", pain_relieved="no").title == HEADLINES["self_care"]
    _, seen = walk(client, {**CALM, "pain_score": "0"})
    assert not any("pain_relieved" in p.visible for p in seen)


def test_back_goes_to_the_step_before_with_every_answer(client: FlaskClient) -> None:
    page, seen = walk(client, CALM)
    back = press(client, page, action="back")
    assert back.step == seen[-2].step
    assert back.carried() == {**page.carried(), **back.carried()}
    assert set(CALM) <= set(back.carried())
    again = press(client, back, action="back")
    assert again.step == seen[-3].step
    assert press(client, seen[0], action="back").step == "emergency"


def test_the_result_carries_the_answers_to_change_them(client: FlaskClient) -> None:
    result = _submit(client, pain_trend="worse")
    assert result.title == HEADLINES["call_doctor_today"]
    assert set(CALM) <= set(result.carried())
    review = press(client, result, action="review")
    worse = PROTOCOL.by_id["pain_trend"].choice("worse")
    assert worse is not None
    assert review.step == "review" and _words(worse.text) in review.text


def test_the_check_needs_no_csrf_token_and_sets_no_cookie() -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/", data=CALM_FORM)
    assert response.status_code == 200
    assert page_of(response).title == HEADLINES["self_care"]
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/").headers
    assert 'name="csrf_token"' not in client.get("/").get_data(as_text=True)


def test_the_check_pages_are_kept_for_back_only_never_shared(client: FlaskClient) -> None:
    for response in (client.get("/"), client.post("/", data=CALM_FORM),
                     client.post("/", data={**CALM_FORM, "headache": ""})):
        assert response.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("disposition", sorted(FORM_FOR))
def test_it_shows_each_disposition_as_one_plain_sentence(
    client: FlaskClient, disposition: str
) -> None:
    page = _submit(client, **FORM_FOR[disposition])
    assert page.status == 200
    assert page.title == HEADLINES[disposition]
    tone = load_protocol().disposition(disposition).tone
    assert f"result-{tone}" in page.html and 'class="icon"' in page.html
    # An emergency result is the call alone; every other result can be changed or started again.
    offered = "Start again" in page.text and "Change my answers" in page.text
    assert offered is (disposition != "emergency")


def test_it_explains_why_with_the_rules_own_words(client: FlaskClient) -> None:
    page = _submit(client, pain_trend="worse")
    rule = next(r for r in PROTOCOL.rules if r.id == "T1")
    assert _words(rule.explain) in page.text
    assert "When to call" in page.text and "When to call back" not in page.text


def test_the_result_puts_the_call_first_as_big_buttons_for_whom_to_call() -> None:
    client = make_app(CLINIC_PHONE="555 0100", AFTER_HOURS_PHONE="555 0199").test_client()
    now = _submit(client, temperature_value="39", temperature_unit="C").html
    # One button (no OFFICE_HOURS: the office), the after-hours line a link under it.
    assert now.count('class="button button-call') == 1
    assert 'class="button button-call button-call-doctor" href="tel:5550100"' in now
    assert ('Out of office hours, call the after-hours line: <a class="phone" '
            'href="tel:5550199">555 0199</a>') in now
    assert now.index("button-call-doctor") < now.index("While you wait")
    today = _submit(client, pain_trend="worse").html
    assert 'href="tel:5550100"' in today and 'class="phone" href="tel:5550199"' not in today
    home = _submit(client).html
    assert "button-call-doctor" not in home and "What to do now" in home
    assert '<button type="button" class="link-button print-button" hidden>' in home
    assert "print.js" in home


def test_it_names_the_clinic_and_after_hours_numbers_as_tel_links() -> None:
    app = make_app(CLINIC_PHONE="555-0100", AFTER_HOURS_PHONE="555-0199")
    page = _submit(app.test_client(), pain_trend="worse")
    assert 'href="tel:5550100"><span class="call-words">Call your doctor&#39;s office</span> ' \
        '<span class="number">555-0100</span></a>' in page.html
    assert '<a class="number" href="tel:5550199">555-0199</a>' in page.html  # the footer


def test_it_points_to_the_discharge_papers_without_a_clinic_number(
    client: FlaskClient,
) -> None:
    assert "number on your discharge papers" in _submit(client, pain_trend="worse").text


def test_it_says_that_nothing_is_stored(client: FlaskClient) -> None:
    assert "not saved" in start(client).text
    assert "were not saved" in _submit(client).text


def test_it_shows_a_question_added_to_the_protocol_with_no_code_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import checker.public.pages as pages

    protocol = load_protocol()
    extra = replace(protocol.by_id["drainage"], id="itching", text="Does the spot itch?")
    bigger = replace(protocol, questions=(*protocol.questions, extra), sha256="0" * 64)
    monkeypatch.setattr(pages, "load_protocol", lambda: bigger)
    client = make_app().test_client()
    page, seen = walk(client, {**CALM, "itching": "no"})
    assert any("itching" in p.visible for p in seen)
    assert "Does the spot itch?" in page.text
