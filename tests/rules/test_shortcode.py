"""The short code: any answers there and back, at most 16 characters, misreadings caught."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import load_protocol
from rules.loader import released
from rules.shortcode import ALPHABET, MAX_LENGTH, CodeError, decode, encode
from tests.protocol_data import mildest, value_strategies

PROTOCOL = load_protocol()
# Readings as the patient's form gives them: up to two decimals, in either unit.
TEMPERATURES = st.one_of(
    st.none(),
    st.integers(3400, 4300).map(lambda n: {"value": n / 100, "unit": "C"}),
    st.integers(9320, 10940).map(lambda n: {"value": n / 100, "unit": "F"}),
)


@st.composite
def partial_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Any answers to any of the questions, the rest left unanswered."""
    strategies = value_strategies(TEMPERATURES, PROTOCOL)
    asked = draw(st.sets(st.sampled_from(sorted(strategies))))
    return {qid: draw(strategies[qid]) for qid in asked}


def _plain(code: str) -> str:
    return code.replace(" ", "")


@settings(max_examples=300)
@given(partial_answers())
def test_any_answers_come_back_exactly_from_their_code(answers: dict[str, Any]) -> None:
    code = encode(PROTOCOL, answers)
    assert len(_plain(code)) <= MAX_LENGTH
    protocol, back = decode(code)
    assert protocol.sha256 == PROTOCOL.sha256
    assert back == answers


@pytest.mark.parametrize("protocol", released(), ids=lambda p: p.version)
def test_every_released_version_fits_its_codes_in_sixteen_characters(protocol: Any) -> None:
    code = encode(protocol, mildest(protocol))
    assert len(_plain(code)) <= MAX_LENGTH
    assert decode(code)[0].version == protocol.version


def test_case_spaces_dashes_and_look_alike_letters_do_not_matter() -> None:
    code = _plain(encode(PROTOCOL, mildest(PROTOCOL, temperature={"value": 38.6, "unit": "C"})))
    spoken = "-".join(code[i:i + 3] for i in range(0, len(code), 3)).lower()
    spoken = spoken.replace("1", "l").replace("0", "o")
    assert decode(spoken) == decode(code)


def test_every_misread_character_is_caught() -> None:
    code = _plain(encode(PROTOCOL, mildest(PROTOCOL, pain_score=6)))
    for place, char in enumerate(code):
        for other in ALPHABET:
            if other != char:
                misread = code[:place] + other + code[place + 1:]
                with pytest.raises(CodeError):
                    decode(misread)


def test_every_swap_of_two_neighbours_is_caught() -> None:
    code = _plain(encode(PROTOCOL, mildest(PROTOCOL, bleeding="soaking", pain_score=3)))
    for place in range(len(code) - 1):
        if code[place] != code[place + 1]:
            swapped = code[:place] + code[place + 1] + code[place] + code[place + 2:]
            with pytest.raises(CodeError):
                decode(swapped)


@pytest.mark.parametrize("text", ["", "ABC", "U" * 14, "!" * 14, "0" * 17])
def test_a_code_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(CodeError):
        decode(text)


def test_a_code_missing_a_character_is_refused() -> None:
    code = _plain(encode(PROTOCOL, mildest(PROTOCOL)))
    with pytest.raises(CodeError):
        decode(code[:-1])
    with pytest.raises(CodeError):
        decode(code[1:])


def test_answers_a_code_cannot_hold_are_refused_not_rounded() -> None:
    with pytest.raises(CodeError, match="more than two decimals"):
        encode(PROTOCOL, {"temperature": {"value": 38.555, "unit": "C"}})
    with pytest.raises(CodeError, match="outside the protocol"):
        encode(PROTOCOL, {"pain_score": 11})
