"""Hypothesis strategies for answer sets: complete, partial and invalid."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from rules import Protocol, load_protocol
from tests.protocol_data import guarded, value_strategies

# Tenths and hundredths near the thresholds find rounding mistakes; wide floats find range ones.
celsius = st.one_of(
    st.integers(min_value=330, max_value=440).map(lambda t: t / 10),
    st.integers(min_value=3350, max_value=4350).map(lambda t: t / 100),
    st.floats(min_value=33.0, max_value=44.0),
    st.integers(min_value=33, max_value=44),
)
fahrenheit = st.one_of(
    st.integers(min_value=920, max_value=1110).map(lambda t: t / 10),
    st.integers(min_value=9200, max_value=11100).map(lambda t: t / 100),
    st.floats(min_value=92.0, max_value=111.0),
    st.integers(min_value=92, max_value=111),
)
temperature = st.one_of(
    st.none(),
    celsius.map(lambda v: {"value": v, "unit": "C"}),
    fahrenheit.map(lambda v: {"value": v, "unit": "F"}),
)
# Inside the range once converted and rounded, so the answer set stays valid.
valid_temperature = st.one_of(
    st.none(),
    st.integers(min_value=340, max_value=430).map(lambda t: {"value": t / 10, "unit": "C"}),
    st.integers(min_value=932, max_value=1094).map(lambda t: {"value": t / 10, "unit": "F"}),
)


@lru_cache(maxsize=16)
def _every_answer(temperatures: st.SearchStrategy, protocol: Protocol | None) -> st.SearchStrategy:
    """One answer to each question, built once: a strategy made per draw is validated per draw,
    which was most of these tests' time."""
    return st.fixed_dictionaries(value_strategies(temperatures, protocol))


@st.composite
def complete_answers(
    draw: st.DrawFn,
    temperatures: st.SearchStrategy = valid_temperature,
    protocol: Protocol | None = None,
):
    """Every question of the protocol (the served one by default) answered; one asked under a
    condition left out sometimes when it fails."""
    drawn = draw(_every_answer(temperatures, protocol))
    for question in guarded(protocol):
        if question.asked_when.evaluate(drawn) is False and draw(st.booleans()):
            del drawn[question.id]
    return drawn


@st.composite
def partial_answers(
    draw: st.DrawFn,
    temperatures: st.SearchStrategy = valid_temperature,
    protocol: Protocol | None = None,
):
    """Any subset of the questions answered, as on a call a nurse has not finished."""
    drawn = draw(complete_answers(temperatures, protocol))
    keep = draw(_subsets(tuple(sorted(drawn))))
    return {key: value for key, value in drawn.items() if key in keep}


@lru_cache(maxsize=16)
def _subsets(keys: tuple[str, ...], max_size: int | None = None) -> st.SearchStrategy:
    """Sets of these keys, the strategy built once per key tuple (see _every_answer)."""
    return st.sets(st.sampled_from(keys), max_size=max_size)


UNKNOWN_KEYS = st.sets(st.sampled_from(["pain", "Fainted", "", "temp", "notes"]), max_size=2)


wrong_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(max_value=1e6, min_value=-1e6),
    st.just(float("nan")),
    st.just(float("inf")),
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "true", "C", "F", "none", "mild", "worse", "better"]),
    st.lists(st.integers(), max_size=2),
    st.fixed_dictionaries(
        {
            "value": st.one_of(st.floats(-1e6, 1e6), st.text(max_size=3), st.none()),
            "unit": st.sampled_from(["C", "F", "c", "K", ""]),
        }
    ),
    st.dictionaries(st.sampled_from(["value", "unit", "scale"]), st.integers(0, 120)),
)


@st.composite
def any_answers(draw: st.DrawFn, protocol: Protocol | None = None):
    """A partial answer set with up to three questions, answered or not, given a value that may
    be wrong, and unknown keys added."""
    drawn = draw(partial_answers(temperature, protocol))
    ids = tuple(q.id for q in (protocol or load_protocol()).questions)
    for key in draw(_subsets(ids, 3)):
        drawn[key] = draw(wrong_value)
    for key in draw(UNKNOWN_KEYS):
        drawn[key] = draw(wrong_value)
    return drawn
