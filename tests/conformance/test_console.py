"""The call console with a call under way: questions still to ask, answers it cannot read."""

from __future__ import annotations

import re

from tests.conformance.console_checks import check_call_under_way
from tests.conformance.harness import Harness
from tests.conformance.run import over_sets
from tests.conformance.space import (
    PROTOCOL,
    SHAPE,
    choice,
    form_fields,
    partial_answers,
    refused_fields,
)

CALLS = 200


def test_a_call_under_way_shows_the_assessment_so_far_and_closes_only_when_decided(
    harness: Harness,
) -> None:
    page = harness.nurse.get("/nurse/call").get_data(as_text=True)
    call = re.search(r'name="call" type="hidden" value="([^"]+)"', page)
    assert call is not None

    def each(gene: bytes) -> None:
        if choice(gene, SHAPE).chance(1 / 3):
            readable, fields, spoiled = refused_fields(gene)
        else:
            readable = partial_answers(gene)
            fields, spoiled = form_fields(PROTOCOL, readable), set()
        check_call_under_way(harness, readable, fields, spoiled, lambda: _fresh(harness),
                             call.group(1))

    assert over_sets("call under way", CALLS, each) >= CALLS


def _fresh(harness: Harness) -> str:
    """A new call's number, as the console's empty page gives it."""
    page = harness.nurse.get("/nurse/call").get_data(as_text=True)
    found = re.search(r'name="call" type="hidden" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
