"""Requests per second of POST /api/v1/assessments against a bare Flask route, side by side.

Run from the repository root: `python -m bench.api` (needs Debian's wrk). Both apps run under
gunicorn with the shipped settings and 2 workers on 127.0.0.1; wrk loads them in turns.
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
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
BODY = ROOT / "bench" / "api_answers.json"
PATH = "/api/v1/assessments"


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
def _gunicorn(app: str, env: dict[str, str], workers: int) -> Iterator[str]:
    """A gunicorn instance of the app; yields its base URL."""
    port = _free_port()
    command = [str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", os.devnull, app]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wrk(url: str, script: Path, seconds: int, connections: int) -> float:
    """Requests per second that wrk measured; refuses a run with errors or non-2xx answers."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
         url + PATH],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests:\n{out}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not match:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    return float(match.group(1))


def main() -> None:
    """Run the rounds and print the rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
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
        with _gunicorn("checker:create_app()", env, args.workers) as app_url, \
                _gunicorn("bench.bare_api:app", env, args.workers) as bare_url:
            _wrk(app_url, script, 2, args.connections)  # warm both up
            _wrk(bare_url, script, 2, args.connections)
            app_rates, bare_rates = [], []
            for _ in range(args.rounds):
                app_rates.append(_wrk(app_url, script, args.seconds, args.connections))
                bare_rates.append(_wrk(bare_url, script, args.seconds, args.connections))
    ratios = [a / b for a, b in zip(app_rates, bare_rates, strict=True)]
    print(f"POST {PATH}, gunicorn {args.workers} workers, wrk {args.connections} connections, "
          f"{args.rounds} rounds of {args.seconds} s in turns")
    print(f"  app:  median {statistics.median(app_rates):8.0f} requests/s "
          f"({', '.join(f'{r:.0f}' for r in app_rates)})")
    print(f"  bare: median {statistics.median(bare_rates):8.0f} requests/s "
          f"({', '.join(f'{r:.0f}' for r in bare_rates)})")
    print(f"  ratio app/bare: median {statistics.median(ratios):.2f}x "
          f"(range {min(ratios):.2f}x to {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
