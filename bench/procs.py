"""Processes the benchmark starts: each in its own process group, each stopped by its PID.

:class:`Processes` is a context manager; leaving it (normally, on an exception, on Ctrl-C, or
on SIGTERM or SIGHUP, which :func:`sigterm_as_exit` turns into ``SystemExit``) stops every
process it started, in reverse order: SIGTERM to the process group whose id is the child's PID,
SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sigterm_as_exit() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


class Processes:
    def __init__(self, grace: float = 5.0) -> None:
        self.grace = grace
        self._started: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop_all()

    def start(
        self,
        argv: Sequence[str],
        *,
        log: Path | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        out: Any = subprocess.DEVNULL
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            out = log.open("wb")
            self._logs.append(out)
        proc = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group, id = its PID
        )
        self._started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(self.grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        else:  # the leader is gone; its group may not be
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if proc in self._started:
            self._started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._started)):
            self.stop(proc)
        for log in self._logs:
            log.close()
        self._logs.clear()

    def run(self, argv: Sequence[str], timeout: float) -> tuple[int, str]:
        """Run to completion (stdout+stderr as text); stopped by PID if it overruns."""
        proc = subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._started.append(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc)
            raise
        finally:
            if proc in self._started:
                self._started.remove(proc)
        return proc.returncode, out.decode(errors="replace")


def wait_http(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Until ``GET path`` gets any HTTP answer; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.pid} exited with {proc.returncode} while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing answered on port {port} within {timeout:.0f} s")


def _children(pid: int) -> Iterator[int]:
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    yield int(child)
                    yield from _children(int(child))


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of ``pid`` and its descendants so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in (pid, *_children(pid)):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except (OSError, IndexError, ValueError):
            if p == pid:
                return None
    return total / ticks


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` and its descendants, in MB (VmRSS from /proc)."""
    total = 0
    for p in (pid, *_children(pid)):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            if p == pid:
                return None
    return round(total / 1024, 1)
