"""``make soak``: mixed traffic across every API against a real ``python -m mock_server``
process for SOAK_SECONDS (default 300), printing the process's RSS and the p99 latency per
interval (a minute, or a fifth of a shorter run).

Marked ``slow``: ``make test`` deselects it (pyproject's ``-m "not slow"``). It asserts only
correctness (no 5xx, no failed connection); the figures are printed for the README
(speed and memory are measured, never asserted).
"""

from __future__ import annotations

import itertools
import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mock.test_360dialog import KEY as D3_KEY
from tests.mock.test_360dialog import OWN
from tests.mock.test_ziett import KEY as ZIETT_KEY
from tests.mock.test_ziett import MESSAGES, SMS
from tests.mock.test_zipteams import HEADERS as ZT_HEADERS
from tests.mock.test_zipteams import URL as ZT_BATCH
from tests.mock.test_zipteams import item
from tests.server import mock_process_handle

VOICE = "/voice/api/v1"
VOICE_AUTH = {"Authorization": "Bearer zc_live_sandbox_key_0001"}
AUDIO = "550e8400-e29b-41d4-a716-446655440000"
CLIENTS = 4  # threads sending at once

Request = Callable[[httpx.Client, int], httpx.Response]


def _requests() -> list[Request]:
    """One of each kind of traffic, cycled: writes, reads and refusals on every API."""

    def zt_batch(c: httpx.Client, n: int) -> httpx.Response:
        body = {"data": [item(f"soak-{n}-{i}") for i in range(5)]}
        return c.post(ZT_BATCH, json=body, headers=ZT_HEADERS)

    def zt_unauthorised(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(ZT_BATCH, json={"data": []}, headers={"x-api-key": "wrong"})

    def ziett_send(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(MESSAGES, json={**SMS, "body": f"soak {n}"}, headers=ZIETT_KEY)

    def ziett_list(c: httpx.Client, n: int) -> httpx.Response:
        return c.get(MESSAGES, headers=ZIETT_KEY)

    def ziett_invalid(c: httpx.Client, n: int) -> httpx.Response:
        return c.post(MESSAGES, json={"to": "nope"}, headers=ZIETT_KEY)

    def d3_get(c: httpx.Client, n: int) -> httpx.Response:
        return c.get(OWN, headers=D3_KEY)

    def d3_patch(c: httpx.Client, n: int) -> httpx.Response:
        return c.patch(OWN, json={"webhook_url": f"https://example.com/h/{n}"}, headers=D3_KEY)

    def voice_call(c: httpx.Client, n: int) -> httpx.Response:
        body = {"phone_number": "03001234567", "audio_id": AUDIO}
        return c.post(f"{VOICE}/calls", json=body, headers=VOICE_AUTH)

    def voice_list(c: httpx.Client, n: int) -> httpx.Response:
        return c.get(f"{VOICE}/calls", headers=VOICE_AUTH)

    def voice_balance(c: httpx.Client, n: int) -> httpx.Response:
        return c.get(f"{VOICE}/balance", headers=VOICE_AUTH)

    def unmounted(c: httpx.Client, n: int) -> httpx.Response:
        return c.get("/nothing-here")

    def journal(c: httpx.Client, n: int) -> httpx.Response:
        return c.get("/__mock/requests?limit=500")

    kinds: list[Request] = [
        zt_batch, zt_unauthorised, ziett_send, ziett_list, ziett_invalid, d3_get, d3_patch,
        voice_call, voice_list, voice_balance, unmounted,
    ]  # fmt: skip
    return kinds * 10 + [journal]  # the journal's biggest answer, now and then


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def p99_ms(latencies: list[float]) -> float:
    """The 99th percentile in ms (the maximum, under 100 samples; 0.0 for none)."""
    if len(latencies) > 100:
        return statistics.quantiles(latencies, n=100)[98] * 1000
    return max(latencies, default=0.0) * 1000


@pytest.mark.slow
def test_soak_mixed_traffic_has_no_5xx() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "300"))
    interval = min(60.0, seconds / 5)
    with mock_process_handle("--no-rate-limits") as (origin, proc):
        counter = itertools.count()
        lock = threading.Lock()
        samples: list[tuple[float, float, str]] = []  # (time, latency s, kind)
        statuses: dict[int, int] = {}
        failures: list[str] = []
        stop_at = time.monotonic() + seconds
        kinds = _requests()

        def client() -> None:
            with httpx.Client(base_url=origin, timeout=30) as c:
                while time.monotonic() < stop_at:
                    n = next(counter)
                    send = kinds[n % len(kinds)]
                    began = time.monotonic()
                    try:
                        r = send(c, n)
                    except httpx.HTTPError as exc:
                        with lock:
                            failures.append(f"{send.__name__}: {exc!r}")
                        continue
                    took = time.monotonic() - began
                    with lock:
                        samples.append((began, took, send.__name__))
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                        if r.status_code >= 500:
                            failures.append(f"{send.__name__}: {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        started = time.monotonic()
        print(f"\nsoak: {seconds:.0f} s, {CLIENTS} clients, RSS at start {rss_mb(proc.pid):.1f} MB")
        for t in threads:
            t.start()
        report: list[dict[str, Any]] = []
        for step in range(1, int(seconds // interval) + 1):
            time.sleep(max(0.0, started + step * interval - time.monotonic()))
            with lock:
                window = [s[1] for s in samples if s[0] >= started + (step - 1) * interval]
            p99 = p99_ms(window)
            row = {"t": round(step * interval), "rss_mb": rss_mb(proc.pid), "n": len(window)}
            report.append({**row, "p99_ms": p99})
            print(
                f"soak: t={row['t']:>4} s  RSS {row['rss_mb']:6.1f} MB  "
                f"requests {row['n']:>6}  p99 {p99:6.1f} ms",
                flush=True,
            )
        for t in threads:
            t.join(timeout=60)
        print(f"soak: {len(samples)} requests, statuses {dict(sorted(statuses.items()))}")
        # Which kind of request the tail belongs to: p99 per kind, first and last interval.
        for name in sorted({kind for _, _, kind in samples}):
            first = [t for at, t, k in samples if k == name and at < started + interval]
            last = [t for at, t, k in samples if k == name and at >= stop_at - interval]
            print(
                f"soak: {name:<16} p99 first {p99_ms(first):6.1f} ms  last {p99_ms(last):6.1f} ms"
            )
    assert failures == [], failures[:20]
    assert samples and statuses, "no traffic was sent"
