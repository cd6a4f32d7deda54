"""Servers started for the fault suite: free ports, bounded waits and a certain stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

# Every wait in the suite is bounded, so a stuck server fails the run instead of hanging it.
START_SECONDS = 60.0
STOP_SECONDS = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, seconds: float = START_SECONDS) -> None:
    """Poll until ready() is true, or fail naming what did not happen in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {seconds:.0f} s")


def accepts_connections(port: int) -> bool:
    """Whether something listens on 127.0.0.1 at this port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class PortTaken(RuntimeError):
    """Another process took the port between choosing it and the server binding it."""


def sockets_on(port: int, state: str) -> set[str]:
    """The sockets at this local port in one TCP state ("0A" listening, "01" established)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # Local address as hex "ADDR:PORT", then the remote one, the state, ..., the inode.
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(f"socket:[{fields[9]}]")
    return found


class Server:
    """A server process in its own process group, its output written to a log file."""

    def __init__(self, name: str, command: list[str], log: Path, env: dict[str, str],
                 cwd: Path) -> None:
        """Start the command; stdout and stderr go to the log file."""
        self.name = name
        self.log = log
        with log.open("ab") as out:
            # A new session puts the server and its children in one group that stop() ends.
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True,
            )

    @property
    def pid(self) -> int:
        """The process id of the server (for gunicorn, the master)."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for a failure message."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_for_port(self, port: int) -> None:
        """Wait until the server listens, failing with its log if it died or took too long."""
        def ready() -> bool:
            if not self.alive():
                tail = self.log_tail()
                if "already in use" in tail or "Connection in use" in tail:
                    raise PortTaken(f"{self.name}: port {port} was taken:\n{tail}")
                raise RuntimeError(f"{self.name} exited at start:\n{tail}")
            # The listener must be this server's own: a port chosen free can be taken by a
            # process of another suite before the server binds it, and that one answers too.
            listeners = sockets_on(port, "0A")
            return accepts_connections(port) and bool(_open_files(self.pid) & listeners)

        wait_until(ready, f"{self.name} listening on port {port}")

    def stop(self) -> None:
        """Ask the server to stop, then kill its whole group if it does not in time."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        try:
            # Workers left behind by a killed master are ended too.
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is pid (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; fields follow the last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def serving(pids: list[int], port: int) -> list[int]:
    """Those of pids that hold an open connection accepted on this port (serving a request)."""
    inodes = sockets_on(port, "01")
    return [pid for pid in pids if _open_files(pid) & inodes]


def _open_files(pid: int) -> set[str]:
    """What the process's file descriptors point to (sockets read as "socket:[inode]")."""
    links = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return links
    for descriptor in descriptors:
        try:
            links.add(os.readlink(descriptor))
        except OSError:
            continue  # closed while we looked
    return links
