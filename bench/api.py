"""Requests per second of POST /api/v1/assessments against a bare Flask route, side by side.

Run from the repository root: `python -m bench.api` (needs Debian's wrk). Both apps run under
gunicorn with the shipped settings and 2 workers on 127.0.0.1; wrk loads them in turns.
`--plain hooks` (or `engine`) adds a third, the app with that piece of speed machinery replaced
by the plain way (bench/plain_apps.py), taken in the same turns, to show what the piece buys.
Besides the rates it prints the workers' processor time per request (from /proc, so Linux
only), which a busy machine disturbs much less than the rates.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
BODY = ROOT / "bench" / "api_answers.json"
PATH = "/api/v1/assessments"
PLAIN = {
    "hooks": "bench.plain_apps:app_without_hook_skipping()",
    "engine": "bench.plain_apps:app_with_interpreted_engine()",
}


def _free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, seconds: float = 30) -> None:
    """Wait until something listens on the port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def _gunicorn(app: str, env: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    """A gunicorn instance of the app; yields its base URL and the master's process id."""
    port = _free_port()
    command = [str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", os.devnull, app]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def _workers_cpu(master: int) -> float:
    """Processor seconds (user and system) that a gunicorn master's workers have used."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for child in children:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, int]:
    """Requests per second and requests that wrk measured; refuses errors or non-2xx answers."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
         url + PATH],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests:\n{out}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    count = re.search(r"([0-9]+) requests in", out)
    if not match or not count:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    return float(match.group(1)), int(count.group(1))


def main() -> None:
    """Run the rounds and print the rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plain", choices=sorted(PLAIN), help="also time the app without it")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        body = BODY.read_text().replace("\n", " ")
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = [[{body}]]\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        env = dict(os.environ, SECRET_KEY="bench", RECOVERY_CHECK_ENV="production",
                   DATABASE_URL=f"sqlite:///{tmp}/bench.db", PYTHONPATH=str(ROOT))
        apps = {"app": "checker:create_app()", "bare": "bench.bare_api:app"}
        if args.plain:
            apps[f"plain {args.plain}"] = PLAIN[args.plain]
        with ExitStack() as stack:
            served = {name: stack.enter_context(_gunicorn(spec, env, args.workers))
                      for name, spec in apps.items()}
            for url, _ in served.values():  # warm them up
                _wrk(url, script, 2, args.connections)
            rates: dict[str, list[float]] = {name: [] for name in served}
            cpu: dict[str, list[float]] = {name: [] for name in served}
            for _ in range(args.rounds):
                for name, (url, master) in served.items():
                    before = _workers_cpu(master)
                    rate, count = _wrk(url, script, args.seconds, args.connections)
                    rates[name].append(rate)
                    cpu[name].append((_workers_cpu(master) - before) / count * 1e6)
    print(f"POST {PATH}, gunicorn {args.workers} workers, wrk {args.connections} connections, "
          f"{args.rounds} rounds of {args.seconds} s in turns")
    for name, values in rates.items():
        print(f"  {name + ':':14} median {statistics.median(values):8.0f} requests/s "
              f"({', '.join(f'{r:.0f}' for r in values)})")
    for name in rates:
        if name == "bare":
            continue
        ratios = [a / b for a, b in zip(rates[name], rates["bare"], strict=True)]
        print(f"  ratio {name}/bare: median {statistics.median(ratios):.2f}x "
              f"(range {min(ratios):.2f}x to {max(ratios):.2f}x)")
    if args.plain:
        ratios = [a / p for a, p in zip(rates["app"], rates[f"plain {args.plain}"], strict=True)]
        print(f"  ratio app/plain {args.plain}: median {statistics.median(ratios):.2f}x "
              f"(range {min(ratios):.2f}x to {max(ratios):.2f}x)")
    # The workers' processor time per request is steadier than the rate on a busy machine:
    # other work lengthens the wall time of a request far more than the time it computes.
    for name, values in cpu.items():
        ratios = [v / a for v, a in zip(values, cpu["app"], strict=True)]
        print(f"  workers' CPU per request, {name + ':':14} median {statistics.median(values):5.0f}"
              f" µs ({statistics.median(ratios):.2f}x the app's; rounds {min(ratios):.2f}x to "
              f"{max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
