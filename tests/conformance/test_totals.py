"""How much the harness sends: at least 20,000 answer sets, every surface among them."""

from __future__ import annotations

from tests.conformance import test_console, test_doubled, test_fhir, test_stateless, test_stored

AT_LEAST = 20_000


def test_the_harness_draws_at_least_twenty_thousand_answer_sets_across_the_surfaces() -> None:
    doubled = (len(test_doubled.PAGE_FIELDS) * test_doubled.PAGE_SETS
               + len(test_doubled.CHECKIN_FIELDS) * test_doubled.CHECKIN_SETS
               + len(test_doubled.CONSOLE_FIELDS) * test_doubled.CONSOLE_SETS) * 2
    drawn = (test_stateless.API_SETS + test_stateless.PAGE_SETS
             + test_stateless.INCOMPLETE_PAGE_SETS + test_fhir.COMPLETE_SETS
             + test_fhir.PARTIAL_SETS + test_fhir.MISSING_SETS + test_fhir.TWICE_SETS
             + test_fhir.REFUSED_SETS + test_stored.CHAIN_SETS + test_console.CALLS + doubled)
    assert drawn >= AT_LEAST
