"""Nurses saving calls concurrently over both instances, retrying a save as a nurse would."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
from itsdangerous import URLSafeSerializer

from tests.nurse.conftest import PASSWORD, call_data

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CALL_FIELD = re.compile(r'name="call" type="hidden" value="([^"]+)"')
SAVED_AT = re.compile(r"/nurse/encounters/(\d+)$")
USER_AGENT = "recovery-check-fault-suite"
REQUEST_SECONDS = 30
# A nurse presses save again after a moment; the loop gives up after about 30 s.
RETRY_PAUSE = 0.3
MAX_TRIES = 100
# What a nurse meets by pressing again: the record system down, or (a bug) a server error.
# Both are counted, and the test requires no 500 at all; retrying keeps the counts complete.
TRY_AGAIN = (500, 503)
TWIN_SECONDS = 120


def is_outage_page(text: str) -> bool:
    """Whether a 503 page says the record system is down and gives the emergency line."""
    words = text.lower()
    return "record system is unavailable" in words and "in an emergency" in words and "911" in words


def call_token(signed: str) -> str:
    """The one-time token inside a signed call field, as the database stores it."""
    payload = signed.rsplit(".", 1)[0]
    return str(URLSafeSerializer("unused").load_payload(payload.encode())["token"])


@dataclass
class Tally:
    """What every client saw, counted under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set when the test gives up waiting, so every client stops at its next request.
    stop: threading.Event = field(default_factory=threading.Event)
    statuses: Counter[int] = field(default_factory=Counter)
    gets: int = 0
    posts: int = 0
    retries: int = 0
    connection_errors: int = 0
    outage_pages_without_help: int = 0
    saves_confirmed: int = 0
    problems: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    # The session cookies the clients signed in with: no log may hold one.
    cookies: list[str] = field(default_factory=list)
    # Each posted form's token and the encounter ids its submissions were redirected to.
    saved: dict[str, list[int]] = field(default_factory=dict)

    def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the counters."""
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)

    def status(self, request: str, code: int, text: str) -> None:
        """Record a response status; a 503 must carry the outage message and emergency line."""
        with self.lock:
            self.statuses[code] += 1
            if code == 503 and not is_outage_page(text):
                self.outage_pages_without_help += 1
            if code >= 500 and code != 503:
                self.server_errors.append(f"{request} answered {code}")

    def problem(self, message: str) -> None:
        """Record something a nurse should never see."""
        with self.lock:
            self.problems.append(message)

    def result(self, token: str, encounter_id: int) -> None:
        """Record where one submission of a form ended."""
        with self.lock:
            self.saved.setdefault(token, []).append(encounter_id)
            self.saves_confirmed += 1


def signed_in_cookies(base: str, username: str) -> requests.cookies.RequestsCookieJar:
    """Sign a nurse in once and open a call, so the session holds its form token too."""
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        page = session.get(f"{base}/nurse/login", timeout=REQUEST_SECONDS)
        csrf = CSRF_FIELD.search(page.text)
        if page.status_code != 200 or csrf is None:
            raise RuntimeError(f"the sign-in page answered {page.status_code} without a form")
        done = session.post(
            f"{base}/nurse/login", allow_redirects=False, timeout=REQUEST_SECONDS,
            data={"csrf_token": csrf.group(1), "username": username, "password": PASSWORD},
        )
        if done.status_code != 302:
            raise RuntimeError(f"signing in {username} answered {done.status_code}")
        session.get(f"{base}/nurse/call", timeout=REQUEST_SECONDS).raise_for_status()
        return session.cookies.copy()


def client_session(cookies: requests.cookies.RequestsCookieJar) -> requests.Session:
    """A browser of its own carrying a copy of a signed-in nurse's cookies."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.cookies.update(cookies.copy())
    return session


class Nurse:
    """One concurrent client: opens calls and saves them, retrying through faults."""

    def __init__(self, session: requests.Session, tally: Tally) -> None:
        """Use this signed-in session and count into the shared tally."""
        self.session = session
        self.tally = tally

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response | None:
        """One request; None when the connection broke (a killed worker)."""
        self.tally.count("gets" if method == "GET" else "posts")
        try:
            response = self.session.request(method, url, allow_redirects=False,
                                            timeout=REQUEST_SECONDS, **kwargs)
        except requests.ConnectionError:
            self.tally.count("connection_errors")
            return None
        self.tally.status(f"{method} {url}", response.status_code, response.text)
        return response

    def open_call(self, base: str) -> tuple[str, str]:
        """A fresh call: its signed call field and the form's CSRF token."""
        for _ in range(MAX_TRIES):
            if self.tally.stop.is_set():
                break
            response = self._request("GET", f"{base}/nurse/call")
            if response is not None and response.status_code == 200:
                call, csrf = CALL_FIELD.search(response.text), CSRF_FIELD.search(response.text)
                if call and csrf:
                    return call.group(1), csrf.group(1)
                self.tally.problem("the console page had no call or CSRF field")
                raise RuntimeError("the console page had no call or CSRF field")
            if response is not None and response.status_code not in TRY_AGAIN:
                self.tally.problem(f"GET /nurse/call answered {response.status_code}")
                raise RuntimeError(f"GET /nurse/call answered {response.status_code}")
            self.tally.count("retries")
            time.sleep(RETRY_PAUSE)
        raise RuntimeError("GET /nurse/call kept failing")

    def save(self, base: str, form: dict[str, str]) -> None:
        """Post the form until it is saved; an error or a broken connection means try again."""
        token = call_token(form["call"])
        for attempt in range(MAX_TRIES):
            if self.tally.stop.is_set():
                return
            if attempt:
                self.tally.count("retries")
                time.sleep(RETRY_PAUSE)
            response = self._request("POST", f"{base}/nurse/call", data=form)
            if response is None or response.status_code in TRY_AGAIN:
                continue
            saved = SAVED_AT.search(response.headers.get("Location", ""))
            if response.status_code == 302 and saved:
                self.tally.result(token, int(saved.group(1)))
                return
            # Only the status and where it led: the body holds the marker patient data.
            self.tally.problem(
                f"saving answered {response.status_code} -> {response.headers.get('Location')}"
            )
            return
        self.tally.problem(f"a save was still failing after {MAX_TRIES} tries")


def call_form(call: str, csrf: str, marker: str, number: int) -> dict[str, str]:
    """A complete console form whose patient data all carry the run's marker."""
    return call_data(
        call, csrf_token=csrf, patient_name=f"Quimby {marker} {number}",
        record_number=f"{marker}-{number}", notes=f"Caller said {marker} note {number}.",
    )


@dataclass(frozen=True)
class Plan:
    """Who saves what: calls per client, and which calls are submitted twice and how."""

    clients: int = 20
    calls_per_client: int = 20
    # (client, call) pairs posted a second time: at once to the other instance, or afterwards.
    concurrent_duplicates: frozenset[tuple[int, int]] = frozenset()
    later_duplicates: frozenset[tuple[int, int]] = frozenset()

    @property
    def saves(self) -> int:
        """How many distinct calls are saved."""
        return self.clients * self.calls_per_client

    @property
    def duplicates(self) -> int:
        """How many second submissions of an already posted form are made."""
        return len(self.concurrent_duplicates) + len(self.later_duplicates)


def run_nurse(plan: Plan, client: int, cookies: requests.cookies.RequestsCookieJar,
              bases: list[str], tally: Tally, marker: str) -> list[str]:
    """One client's share of the calls; returns the tokens it posted."""
    posted = []
    with client_session(cookies) as session:
        nurse = Nurse(session, tally)
        for call in range(plan.calls_per_client):
            if tally.stop.is_set():
                break
            # Alternate instances; every other form is posted to the instance it did not come from.
            opened_on = bases[(client + call) % 2]
            posted_to = bases[(client + call + call % 2) % 2]
            other = bases[(bases.index(posted_to) + 1) % 2]
            signed, csrf = nurse.open_call(opened_on)
            form = call_form(signed, csrf, marker, client * plan.calls_per_client + call)
            posted.append(call_token(signed))
            if (client, call) in plan.concurrent_duplicates:
                with client_session(session.cookies) as twin_session:
                    twin = threading.Thread(
                        target=Nurse(twin_session, tally).save, args=(other, form)
                    )
                    twin.start()
                    nurse.save(posted_to, form)
                    twin.join(timeout=TWIN_SECONDS)
                    if twin.is_alive():
                        tally.problem("a duplicate submission never finished")
            else:
                nurse.save(posted_to, form)
                if (client, call) in plan.later_duplicates:
                    nurse.save(posted_to, form)
    return posted
