"""Running a check over many answer sets that hypothesis draws, reproducibly and in batches."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable
from math import ceil

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.conformance.harness import today
from tests.conformance.space import genes

# Answer sets drawn in one hypothesis example: drawing costs far less per set in batches.
BATCH = 25
# Answer sets drawn, by test: what the harness reports at the end of the run.
DRAWN: Counter[str] = Counter()


def _failure(each: Callable[[bytes], None], gene: bytes) -> AssertionError | None:
    """The disagreement this gene meets, if any."""
    try:
        each(gene)
    except AssertionError as failure:
        return failure
    return None


def smallest(each: Callable[[bytes], None], gene: bytes,
             failure: AssertionError) -> AssertionError:
    """The failure of the gene with as many bytes set to 0 (calm, answered) as still fail.

    One greedy pass, byte by byte: far cheaper than shrinking a whole batch of answer sets
    that each take several requests, and it leaves the answers that matter.
    """
    best = bytearray(gene)
    for index, byte in enumerate(best):
        if byte == 0:
            continue
        trial = bytearray(best)
        trial[index] = 0
        found = _failure(each, bytes(trial))
        if found is not None:
            best, failure = trial, found
    failure.add_note(f"gene (every other byte set to 0 passes): {bytes(best).hex()}")
    return failure


def once_more_at_midnight(each: Callable[[bytes], None], gene: bytes) -> None:
    """Run `each`; if it fails while the clinic's day turned, run it once more.

    Day counts follow the procedure date and today's date: a request made just after midnight
    counts one day more than the answers drawn just before it.
    """
    day = today()
    try:
        each(gene)
    except AssertionError:
        if today() == day:
            raise
        each(gene)


def over_sets(name: str, quota: int, each: Callable[[bytes], None], *,
              batch: int = BATCH, tally: str = "") -> int:
    """Run `each` on at least `quota` answer-set genes; how many it ran.

    The genes are drawn from a seed made of `name`, so every run (and CI) draws the same ones.
    The first disagreement is made as small as it goes (see `smallest`) and raised. The sets
    are counted under `tally` (the name by default) in the run's account.
    """
    ran = [0]

    @seed(zlib.crc32(name.encode()))
    @settings(max_examples=ceil(quota / batch), deadline=None, database=None,
              derandomize=False, report_multiple_bugs=False,
              phases=(Phase.explicit, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(genes(batch))
    def run(drawn: list[bytes]) -> None:
        for gene in drawn:
            try:
                once_more_at_midnight(each, gene)
            except AssertionError as failure:
                raise smallest(each, gene, failure) from None
            ran[0] += 1

    run()
    DRAWN[tally or name] += ran[0]
    return ran[0]
