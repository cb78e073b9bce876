"""Driving a server with wrk: one thread, a fixed number of connections, a fixed duration.

Each run gets a small Lua script that sets the method, headers and body, and whose ``done``
hook prints one JSON line with the counts and latency percentiles wrk measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cases import Request
from .procs import Processes

MARK = "BENCH_JSON "

DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"non_2xx":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    "BENCH_JSON ", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Load:
    threads: int = 1
    connections: int = 16
    duration: float = 10.0
    warmup: float = 2.0


def _lua_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def script(request: Request) -> str:
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    for name, value in request.headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
    return "\n".join(lines) + "\n" + DONE


def run(
    procs: Processes,
    wrk: str,
    url: str,
    request: Request,
    seconds: float,
    load: Load,
    workdir: Path,
) -> dict[str, Any]:
    """One wrk run against ``url``; wrk's numbers, plus requests/s."""
    workdir.mkdir(parents=True, exist_ok=True)
    lua = workdir / "request.lua"
    lua.write_text(script(request), encoding="utf-8")
    argv = [
        wrk,
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(lua),
        url,
    ]
    code, out = procs.run(argv, timeout=seconds + 30)
    line = next((ln for ln in out.splitlines() if ln.startswith(MARK)), None)
    if code != 0 or line is None:
        raise RuntimeError(f"wrk failed ({code}): {out.strip()[-500:]}")
    data: dict[str, Any] = json.loads(line[len(MARK) :])
    seconds_run = data["duration_us"] / 1e6
    data["rps"] = round(data["requests"] / seconds_run, 1) if seconds_run else 0.0
    data["p50_ms"] = round(data["p50_us"] / 1000, 2)
    data["p99_ms"] = round(data["p99_us"] / 1000, 2)
    return data
