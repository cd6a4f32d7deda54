"""Nurse name search at 1,000,000 saved calls: 16 nurses at once through nginx, beside one alone.

Run from the repository root (PostgreSQL, nginx, redis-server and openssl needed):

    python -m bench.search_load --database-url postgresql+psycopg://USER@HOST/DB
    python -m bench.search_load --database-url postgresql+psycopg://USER@HOST/DB --reuse

The first run loads 1,000,000 calls into an empty database as bench/stored_calls.py does
(about 3 minutes on 2 cores); `--reuse` searches the calls it already holds (after new
migrations, bring it up to date first: `DATABASE_URL=... flask --app checker db upgrade`).
The app is served as docs/deployment.md runs it: two gunicorn instances with
deploy/gunicorn.conf.py (WEB_CONCURRENCY workers each: 2 as shipped, `--workers` to change)
sharing one Redis, behind nginx from deploy/nginx.conf.example over HTTPS with a throwaway
certificate, all on 127.0.0.1 and all stopped at the end. Each nurse (`--nurses`, 16, made
with the app's models) signs in from a loopback address of its own (127.0.0.2, 127.0.0.3, ...:
the sign-in limit counts per address, as it would per workstation), keeps its own session and
connection, and posts the console's search form with its form token, for terms drawn as
bench/search.py draws them.

Each round, so that a busy machine weighs on all alike, times three ways of searching:
- back to back: every nurse searching for `--seconds`, each posting the next search as soon
  as its page has arrived (16 searches always under way: the most the 16 can ask of it);
- together: every nurse pressing Search at the same moment, `--bursts` times, the next burst
  once every page of the last has arrived;
- one nurse alone, `--alone` searches one after another.
It prints p50, p95 and p99 of the time a nurse waits for the page, the searches a second, the
ratios to one nurse alone, and where the time went: the time gunicorn's workers spent on a
search (their access logs; the rest is waiting for a free worker) and the processor time per
search of nginx, the workers, Redis, the database's server processes and this client. The
client is one process, a thread per nurse that mostly waits on its socket; its share of one
core shows it is not what is measured.
"""

from __future__ import annotations

import argparse
import http.client
import re
import ssl
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.search import terms
from bench.stored_calls import ROOT, load
from checker import create_app
from checker.extensions import db
from checker.nurse.models import Nurse
from tests.browser.conftest import Certificate, make_certificate
from tests.deploy.conftest import Deployment
from tests.faults.processes import Server, children, free_port
from tests.faults.stack import GUNICORN, Postgres, Stack, libpq_url

PASSWORD = "bench-password-long"
TOKEN = re.compile(rb'name="csrf_token"[^>]*? value="([^"]+)"')
SHOWING = b"Showing the calls that match your search"
# gunicorn's access line ends with the status, the size and the worker's milliseconds.
LOGGED = re.compile(r'"POST /nurse/encounters/search [^"]*" 200 \d+ (\d+)ms')
REQUEST_SECONDS = 30
TARGET_P95_MS = 200
BACK_TO_BACK = "back to back"
TOGETHER = "together"
ALONE = "one nurse alone"


def make_nurses(url: str, count: int) -> list[str]:
    """The bench's nurses, made once with the app's models."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    wanted = [f"searcher-{n}" for n in range(1, count + 1)]
    with app.app_context():
        have = set(db.session.scalars(select(Nurse.username).where(Nurse.username.in_(wanted))))
        for username in wanted:
            if username not in have:
                nurse = Nurse(username=username)
                nurse.set_password(PASSWORD)
                db.session.add(nurse)
        db.session.commit()
        db.engine.dispose()
    return wanted


def stored_calls(url: str) -> int:
    """How many saved calls the database holds (0 when it has no schema yet)."""
    with psycopg.connect(libpq_url(url), connect_timeout=10) as conn:
        if conn.execute("SELECT to_regclass('encounter')").fetchone() == (None,):
            return 0
        return int(conn.execute("SELECT count(*) FROM encounter").fetchone()[0])


class Browser:
    """One nurse's browser: a keep-alive HTTPS connection, its cookies and its form token."""

    def __init__(self, url: str, cafile: Path, source: str) -> None:
        """Connect from this loopback address to nginx, trusting the throwaway certificate."""
        parts = urlsplit(url)
        self.origin = url
        self.connection = http.client.HTTPSConnection(
            parts.hostname or "127.0.0.1", parts.port,
            context=ssl.create_default_context(cafile=str(cafile)),
            timeout=REQUEST_SECONDS, source_address=(source, 0))
        self.cookies: dict[str, str] = {}
        self.token = ""

    def ask(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        """One request with the cookies and a same-origin Referer, as a browser sends them."""
        headers = {"Referer": self.origin + "/nurse/encounters"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.token, **form})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        page = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        found = TOKEN.search(page)
        if found:
            self.token = found.group(1).decode()
        return response.status, page

    def sign_in(self, username: str) -> None:
        """The sign-in page, the password, then the saved calls page with its search form."""
        self.ask("GET", "/nurse/login")
        status, _ = self.ask("POST", "/nurse/login", {"username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{username} could not sign in: answered {status}")
        status, _ = self.ask("GET", "/nurse/encounters")
        if status != 200:  # 503: is the schema older than the models? (flask db upgrade)
            raise RuntimeError(f"{username} cannot open the saved calls: answered {status}")

    def search(self, term: str) -> float:
        """Post one search as the form does; the milliseconds until the whole page arrived."""
        start = time.perf_counter()
        status, page = self.ask("POST", "/nurse/encounters/search",
                                {"name": term, "record": "", "date": ""})
        took = (time.perf_counter() - start) * 1000
        if status != 200 or SHOWING not in page:
            raise RuntimeError(f"a search was answered {status}")
        return took


@dataclass
class Served:
    """What the bench started, so the numbers can name each part's processor time."""

    stack: Stack
    proxy: Deployment
    certificate: Certificate
    logs: list[Path] = field(default_factory=list)

    def stop(self) -> None:
        """Stop nginx, then gunicorn and Redis."""
        self.proxy.stop()
        self.stack.stop()


def serve(url: str, workdir: Path, workers: int) -> Served:
    """Redis, two gunicorn instances as deployed, nginx in front (rendered as tests/deploy does)."""
    stack = Stack(workdir, Postgres(url, make_url(url).database or ""))
    served = Served(stack, Deployment(workdir, stack.postgres.app_url), make_certificate(workdir))
    try:
        stack.start_redis()
        env = {**stack.app_env(), "TRUSTED_PROXIES": "1", "WEB_CONCURRENCY": str(workers)}
        ports = []
        for name in ("gunicorn-a", "gunicorn-b"):
            port = free_port()
            served.logs.append(workdir / f"{name}-access.log")
            server = Server(name, [str(GUNICORN), "--config",
                                   str(ROOT / "deploy" / "gunicorn.conf.py"),
                                   "--access-logfile", str(served.logs[-1]),
                                   "checker:create_app()"],
                            workdir / f"{name}.log", {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                            ROOT)
            stack.servers.append(server)
            server.wait_for_port(port)
            stack.instances.append((server, f"http://127.0.0.1:{port}"))
            ports.append(port)
        served.proxy.start_nginx(served.certificate, ports)
    except BaseException:
        served.stop()
        raise
    return served


def _cpu(pids: list[int]) -> float:
    """Processor seconds (user and system) these processes have used; gone ones count 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / 100  # USER_HZ, 100 on Linux


@dataclass
class Phase:
    """One phase's waits, its length, the workers' own times and processor time by part."""

    waits: list[float]
    seconds: float
    worker_ms: list[float]
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        """Searches answered a second."""
        return len(self.waits) / self.seconds


def measured(served: Served, backends: list[int], run: Callable[[], list[float]]) -> Phase:
    """Run a phase, with what the servers' logs and processor times say about it."""
    parts: dict[str, Callable[[], list[int]]] = {
        "nginx": lambda: children(served.proxy.servers[0].pid),
        "gunicorn workers": lambda: [w for s, _ in served.stack.instances for w in children(s.pid)],
        "redis": lambda: [served.stack.servers[0].pid],
        "database": lambda: backends,
    }
    offsets = [log.stat().st_size for log in served.logs]
    before = {name: _cpu(pids()) for name, pids in parts.items()}
    client, start = time.process_time(), time.perf_counter()
    waits = run()
    seconds = time.perf_counter() - start
    cpu = {name: _cpu(pids()) - before[name] for name, pids in parts.items()}
    cpu["this client"] = time.process_time() - client
    worker_ms = []
    for log, offset in zip(served.logs, offsets, strict=True):
        with log.open() as lines:
            lines.seek(offset)
            worker_ms += [float(m.group(1)) for m in LOGGED.finditer(lines.read())]
    return Phase(waits, seconds, worker_ms, cpu)


def together(count: int, work: Callable[[int, threading.Barrier], list[float]],
             seconds: float, action: Callable[[], None] | None = None) -> list[float]:
    """Run work(nurse, barrier) for every nurse in a thread of its own; all their waits."""
    barrier = threading.Barrier(count, action=action)
    waits: list[list[float]] = [[] for _ in range(count)]
    failures: list[BaseException] = []

    def nurse(number: int) -> None:
        try:
            waits[number] = work(number, barrier)
        except threading.BrokenBarrierError:
            pass  # another nurse failed, and says why
        except BaseException as failure:  # noqa: BLE001 - reported by the main thread
            failures.append(failure)
            barrier.abort()

    threads = [threading.Thread(target=nurse, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_SECONDS)
    if failures:
        raise RuntimeError(f"{len(failures)} nurses failed") from failures[0]
    return [wait for own in waits for wait in own]


def back_to_back(browsers: list[Browser], wanted: list[str], seconds: float) -> list[float]:
    """Every nurse searching at once, each posting again as soon as its page arrived."""
    deadline = [0.0]

    def work(number: int, barrier: threading.Barrier) -> list[float]:
        barrier.wait()
        waits, step = [], number
        while time.perf_counter() < deadline[0]:
            waits.append(browsers[number].search(wanted[step % len(wanted)]))
            step += len(browsers)
        return waits

    return together(len(browsers), work, seconds,
                    lambda: deadline.__setitem__(0, time.perf_counter() + seconds))


def bursts(browsers: list[Browser], wanted: list[str], count: int, first: int) -> list[float]:
    """Every nurse pressing Search at the same moment, again once every page has arrived."""
    def work(number: int, barrier: threading.Barrier) -> list[float]:
        waits = []
        for burst in range(count):
            barrier.wait()
            term = wanted[(first + burst * len(browsers) + number) % len(wanted)]
            waits.append(browsers[number].search(term))
        return waits

    return together(len(browsers), work, count * REQUEST_SECONDS)


def quantile(values: list[float], share: float) -> float:
    """The value below which this share of the values lies (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def p95_of(phase: Phase) -> float:
    """A phase's p95 in milliseconds."""
    return quantile(phase.waits, 0.95)


def summary(waits: list[float]) -> str:
    """p50, p95 and p99 in milliseconds."""
    return (f"p50 {statistics.median(waits):6.1f} ms, p95 {quantile(waits, 0.95):6.1f} ms, "
            f"p99 {quantile(waits, 0.99):6.1f} ms")


def report(rounds: list[dict[str, Phase]], nurses: int) -> None:
    """Each round, then all rounds together, the ratios to one nurse alone, where time went."""
    for number, phases in enumerate(rounds, 1):
        print(f"round {number}: " + "; ".join(
            f"{name} {summary(phase.waits)}, {phase.rate:.1f}/s" for name, phase in phases.items()))
    alone = [w for phases in rounds for w in phases[ALONE].waits]
    print(f"\n{ALONE + ':':28} {summary(alone)} ({len(alone)} searches)")
    for name in (BACK_TO_BACK, TOGETHER):
        waits = [w for phases in rounds for w in phases[name].waits]
        rate = len(waits) / sum(phases[name].seconds for phases in rounds)
        ratios = ", ".join(f"{p95_of(phases[name]) / p95_of(phases[ALONE]):.1f}x"
                           for phases in rounds)
        p95 = quantile(waits, 0.95)
        print(f"{name + ':':28} {summary(waits)}, {rate:.1f} searches/s ({len(waits)} searches)")
        print(f"{'':28} / alone: p50 {statistics.median(waits) / statistics.median(alone):.1f}x, "
              f"p95 {p95 / quantile(alone, 0.95):.1f}x (rounds' p95: {ratios}); target p95 <= "
              f"{TARGET_P95_MS} ms {'met' if p95 <= TARGET_P95_MS else 'not met'} ({p95:.0f} ms)")
    print(f"({nurses} nurses, each with its own session and connection)")
    for name in rounds[0]:
        phases = [round_[name] for round_ in rounds]
        worker = [ms for p in phases for ms in p.worker_ms]
        count = sum(len(p.waits) for p in phases)
        seconds = sum(p.seconds for p in phases)
        cpu = {part: sum(p.cpu[part] for p in phases) for part in phases[0].cpu}
        print(f"{name}: gunicorn's own time p50 {statistics.median(worker):.0f} ms, p95 "
              f"{quantile(worker, 0.95):.0f} ms; processor ms per search: " + ", ".join(
                  f"{part} {1000 * value / count:.1f}" for part, value in cpu.items())
              + f" (the client {100 * cpu['this client'] / seconds:.0f}% of one core)")


def main() -> None:
    """Load or reuse the calls, serve the app, run the rounds and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True,
                        help="a PostgreSQL database made for this bench (postgresql+psycopg://…)")
    parser.add_argument("--reuse", action="store_true",
                        help="search the calls the database already holds instead of loading")
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026, help="the seed the calls were loaded by")
    parser.add_argument("--nurses", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15,
                        help="each round's time back to back")
    parser.add_argument("--bursts", type=int, default=20, help="each round's bursts together")
    parser.add_argument("--alone", type=int, default=100, help="searches alone in each round")
    args = parser.parse_args()
    url = args.database_url
    if not url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL database")
    held = stored_calls(url)
    if not args.reuse:
        if held:
            parser.error(f"the database holds {held:,} calls: give --reuse, or an empty one")
        started = time.perf_counter()
        load(url, args.calls, args.seed)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            # What autovacuum does to a table of years of calls: hint bits set, pages marked
            # all-visible, statistics taken; else the first searches pay for writing them.
            conn.execute("VACUUM (ANALYZE) encounter")
        print(f"loaded {args.calls:,} calls in {time.perf_counter() - started:.0f} s")
    elif not held:
        parser.error("the database holds no calls to reuse: run once without --reuse")
    usernames = make_nurses(url, args.nurses)
    wanted = terms(args.seed, 4000)
    with tempfile.TemporaryDirectory() as folder:
        served = serve(url, Path(folder), args.workers)
        try:
            browsers = [Browser(served.proxy.url, served.certificate.cert, f"127.0.0.{n + 2}")
                        for n in range(args.nurses)]
            for browser, username in zip(browsers, usernames, strict=True):
                browser.sign_in(username)
            with psycopg.connect(libpq_url(url), autocommit=True) as conn:
                back_to_back(browsers, wanted[::-1], 3)  # warm every worker and its connection
                backends = [int(pid) for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")]
            print(f"PostgreSQL, {stored_calls(url):,} calls; nginx, 2 gunicorn instances of "
                  f"{args.workers} workers, Redis; {args.nurses} nurses; {args.rounds} rounds of "
                  f"{args.seconds:.0f} s back to back, {args.bursts} bursts together and "
                  f"{args.alone} searches alone")
            rounds = []
            for number in range(args.rounds):
                first = number * args.bursts * args.nurses
                rounds.append({
                    BACK_TO_BACK: measured(served, backends, lambda: back_to_back(
                        browsers, wanted, args.seconds)),
                    TOGETHER: measured(served, backends, lambda first=first: bursts(
                        browsers, wanted[::-1], args.bursts, first)),
                    ALONE: measured(served, backends, lambda number=number: [
                        browsers[0].search(term)
                        for term in wanted[number * args.alone:(number + 1) * args.alone]]),
                })
        except RuntimeError:
            for log in sorted(Path(folder).glob("gunicorn-?.log")):  # what the app said of it
                print(f"--- {log.name}, last lines:\n" + "\n".join(
                    log.read_text(errors="replace").splitlines()[-15:]))
            raise
        finally:
            served.stop()
    report(rounds, args.nurses)


if __name__ == "__main__":
    main()
