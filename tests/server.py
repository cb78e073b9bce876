"""Start the mock as a real process on a free loopback port (for tests that need real HTTP)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def mock_process(*args: str) -> Iterator[str]:
    """``python -m mock_server`` on a free port; yields its origin; stopped by PID afterwards."""
    with mock_process_handle(*args) as (origin, _):
        yield origin


@contextlib.contextmanager
def mock_process_handle(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As :func:`mock_process`, yielding the process too (for tests that signal it)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{origin}/__mock/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"mock did not start (exit {proc.poll()}):\n{output}")
            time.sleep(0.1)
        yield origin, proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 10 s; nothing if it has already exited."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
