"""Hundreds of saves over two instances survive a database restart and a killed worker."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import pytest
import requests

from tests.faults.conftest import NURSES
from tests.faults.load import Plan, Tally, run_nurse, signed_in_cookies
from tests.faults.processes import wait_until
from tests.faults.stack import Stack
from tests.nurse.conftest import PASSWORD

pytestmark = pytest.mark.faults

# 20 clients x 20 calls = 400 saves; 50 of them are submitted a second time.
PLAN = Plan(
    concurrent_duplicates=frozenset((client, 4) for client in range(20))
    | frozenset((client, 16) for client in range(5)),
    later_duplicates=frozenset((client, 12) for client in range(20))
    | frozenset((client, 16) for client in range(5, 10)),
)
KILL_WORKER_AFTER = 100  # confirmed saves
RESTART_DATABASE_AFTER = 200
LOAD_SECONDS = 180
OUTAGE_SECONDS = 20


class Faults(threading.Thread):
    """Kill one gunicorn worker, then stop and restart PostgreSQL, while the load runs."""

    def __init__(self, stack: Stack, tally: Tally) -> None:
        """Watch this tally and break this stack."""
        super().__init__(daemon=True)
        self.stack = stack
        self.tally = tally
        self.killed_worker = 0
        self.outage_seconds = 0.0
        self.errors: list[str] = []

    def _wait_for_saves(self, count: int) -> None:
        """Wait until the clients have saved this many calls; stop when the load is over."""
        wait_until(lambda: self.tally.saves_confirmed >= count or self.tally.stop.is_set(),
                   f"{count} saves", LOAD_SECONDS)
        if self.tally.stop.is_set():
            raise RuntimeError(f"the load ended before {count} saves")

    def run(self) -> None:
        """Break things in the middle of the load; any failure is kept for the test."""
        try:
            self._wait_for_saves(KILL_WORKER_AFTER)
            # SIGKILL, in the middle of a request: the worker cannot finish what it is serving.
            self.killed_worker = self.stack.busy_worker(1)
            os.kill(self.killed_worker, signal.SIGKILL)
            self._wait_for_saves(RESTART_DATABASE_AFTER)
            started = time.monotonic()
            outages_before = self.tally.statuses[503]
            options = self.stack.postgres.stop()
            try:
                # Down until a nurse has met the outage, so the test knows it hit the load.
                wait_until(lambda: self.tally.statuses[503] > outages_before,
                           "a save meeting the database outage", OUTAGE_SECONDS)
            finally:
                self.stack.postgres.start(options)
            self.outage_seconds = time.monotonic() - started
        except Exception as error:  # reported by the test, not lost in this thread
            self.errors.append(repr(error))


def stored_calls(stack: Stack) -> Counter[str]:
    """How often each call token is stored in the encounter table."""
    with stack.postgres.connect() as conn:
        rows = conn.execute("SELECT submit_token, count(*) FROM encounter GROUP BY submit_token")
        return Counter({token: count for token, count in rows})


def stored_record_numbers(stack: Stack, marker: str) -> Counter[str]:
    """How often each of this run's record numbers is stored."""
    with stack.postgres.connect() as conn:
        rows = conn.execute("SELECT record_number FROM encounter WHERE record_number LIKE %s",
                            (f"{marker}-%",))
        return Counter(number for (number,) in rows)


def run_load(stack: Stack, tally: Tally, marker: str) -> list[str]:
    """Every client's calls, concurrently; returns every token posted."""
    bases = [base for _, base in stack.instances]
    # Signing in is limited per address, so a few nurses sign in once and share the cookies.
    cookies = [signed_in_cookies(bases[n % 2], name) for n, name in enumerate(NURSES)]
    tally.cookies = [value for jar in cookies for value in jar.values() if value]
    with ThreadPoolExecutor(max_workers=PLAN.clients) as pool:
        futures = [
            pool.submit(run_nurse, PLAN, client, cookies[client % len(cookies)], bases, tally,
                        marker)
            for client in range(PLAN.clients)
        ]
        done, not_done = wait(futures, timeout=LOAD_SECONDS)
        if not_done:
            tally.stop.set()
            tally.problem(f"{len(not_done)} clients did not finish in {LOAD_SECONDS} s")
    posted = []
    for future in done:
        if future.exception() is not None:
            tally.problem(f"a client stopped: {future.exception()!r}")
        else:
            posted += future.result()
    return posted


def test_no_call_is_lost_or_doubled_through_a_database_restart_and_a_killed_worker(
    stack: Stack, report: Any
) -> None:
    marker = f"FAULTMARK{secrets.token_hex(6).upper()}"
    tally = Tally()
    faults = Faults(stack, tally)
    faults.start()
    started = time.monotonic()
    try:
        posted = run_load(stack, tally, marker)
    finally:
        elapsed = time.monotonic() - started
        # Whatever happened, no fault may start after the load is over.
        tally.stop.set()
        faults.join(timeout=60)

    stored = stored_calls(stack)
    requests_made = tally.gets + tally.posts
    numbers = {
        "saves": sum(stored.values()),
        "distinct_calls": len(stored),
        "duplicate_submits": PLAN.duplicates,
        "duplicates_stored": sum(count - 1 for count in stored.values()),
        "duplicates_answered_with_the_record": (
            sum(len(ids) for ids in tally.saved.values()) - len(tally.saved)
        ),
        "status_503": tally.statuses[503],
        "status_500": tally.statuses[500],
        "connection_errors": tally.connection_errors,
        "retries": tally.retries,
        "requests": requests_made,
        "elapsed_s": round(elapsed, 1),
        "requests_per_s": round(requests_made / elapsed, 1),
        "database_down_s": round(faults.outage_seconds, 1),
    }
    report("load with faults", numbers)

    assert faults.errors == [], faults.errors
    assert not faults.is_alive() and faults.outage_seconds > 0, "the database never went down"
    assert faults.killed_worker, "no worker was killed"
    assert tally.problems == [], tally.problems[:10]
    assert tally.server_errors == [], stack.error_lines()
    assert tally.outage_pages_without_help == 0
    assert len(posted) == PLAN.saves == len(set(posted))
    assert set(stored) == set(posted), "calls lost or saved that nobody posted"
    assert numbers["saves"] == PLAN.saves and numbers["duplicates_stored"] == 0
    record_numbers = stored_record_numbers(stack, marker)
    assert len(record_numbers) == PLAN.saves and set(record_numbers.values()) == {1}
    # Every submission of a form, duplicates included, led to the one record of its call.
    assert sum(len(ids) for ids in tally.saved.values()) == PLAN.saves + PLAN.duplicates
    assert all(len(set(ids)) == 1 for ids in tally.saved.values())
    # The killed worker was replaced and both instances still serve.
    stack.wait_for_workers(1)
    assert faults.killed_worker not in stack.workers(1)
    assert [requests.get(base, timeout=10).status_code for _, base in stack.instances] == [200, 200]
    logs = {path.name: path.read_text(errors="replace") for path in stack.logs()}
    assert any("Booting worker" in text for text in logs.values()), sorted(logs)
    assert [name for name, text in logs.items() if marker in text] == []
    # Nor any secret of signing in: the nurses' password, the app's key, a session cookie.
    assert tally.cookies
    secrets_of_sign_in = [PASSWORD, stack.secret_key, *tally.cookies]
    assert [name for name, text in logs.items()
            if any(secret in text for secret in secrets_of_sign_in)] == []
