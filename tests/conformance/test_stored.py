"""The stored surfaces held to rules.assess: check-in, worklist, console, saved call, note,
handout."""

from __future__ import annotations

from math import ceil

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.conformance.harness import Harness
from tests.conformance.run import DRAWN, once_more_at_midnight, smallest
from tests.conformance.space import complete_answers, genes
from tests.conformance.stored_checks import check_saved, from_checkins, from_codes, through_checkins

CHAIN_SETS = 240
BATCH = 20


def test_every_stored_surface_keeps_and_states_what_the_patient_was_shown(
    harness: Harness,
) -> None:
    ran = [0]

    def each_batch(drawn: list[bytes]) -> None:
        batch = [complete_answers(gene) for gene in drawn]
        calls = through_checkins(harness, batch)
        from_checkins(harness, calls)
        calls += from_codes(harness, batch)
        check_saved(harness, calls)

    @seed(20261207)
    @settings(max_examples=ceil(CHAIN_SETS / BATCH), deadline=None, database=None,
              phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(genes(BATCH))
    def run(drawn: list[bytes]) -> None:
        try:
            once_more_at_midnight(lambda _: each_batch(drawn), b"")
        except AssertionError as failure:
            # Found in a batch: the first answer set that fails alone, made small.
            for gene in drawn:
                try:
                    each_batch([gene])
                except AssertionError as alone:
                    raise smallest(lambda g: each_batch([g]), gene, alone) from None
            raise failure
        ran[0] += len(drawn)

    run()
    DRAWN["stored surfaces"] += ran[0]
    assert ran[0] >= CHAIN_SETS
