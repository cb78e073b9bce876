"""The same suite against a live endpoint: ``make contract PARTNER=<name> BASE_URL=https://...``.

Read-only unless ``ALLOW_WRITES=1``; paced under the partner's documented rate limit;
credentials from ``CONTRACT_<PARTNER>_<SCHEME>`` environment variables (README, "Live
endpoints"). Without ``BASE_URL`` there is nothing to test, and the tests say so.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .documented import Probe, curl, judge, probes
from .suite import config
from .targets import Target, scheme_values, targets

SAFE_METHODS = ["GET", "HEAD", "OPTIONS"]


def pace(target: Target) -> str:
    """The tightest documented limit, in schemathesis' notation (e.g. ``120/m``)."""
    units = {"second": "s", "minute": "m", "hour": "h"}
    best: tuple[float, str] | None = None
    for rule in target.profile.rate_limits:
        amount, _, unit = rule.limit.partition("/")
        per_second = int(amount) / {"s": 1, "m": 60, "h": 3600}[units[unit.rstrip("s")]]
        if best is None or per_second < best[0]:
            best = (per_second, f"{amount}/{units[unit.rstrip('s')]}")
    return best[1] if best else "10/s"


def seconds_per_request(rate: str) -> float:
    amount, _, unit = rate.partition("/")
    return {"s": 1, "m": 60, "h": 3600}[unit[:1]] / int(amount)


def live_target() -> Target | None:
    partner, base_url = os.environ.get("PARTNER"), os.environ.get("BASE_URL")
    if not partner or not base_url:
        return None
    target = next((t for t in targets() if t.name == partner), None)
    if target is None:
        raise SystemExit(
            f"PARTNER={partner!r}: no such partner (have {[t.name for t in targets()]})"
        )
    return target


def has_safe_operation(target: Target) -> bool:
    return any(
        method.upper() in SAFE_METHODS
        for item in target.doc.get("paths", {}).values()
        for method in item
    )


def live_schema() -> Any:
    target = live_target()
    if target is None:
        return None
    base_url = os.environ["BASE_URL"]
    # CONTRACT_RATE_LIMIT overrides the documented pace (e.g. for a sandbox with its own limit).
    rate = os.environ.get("CONTRACT_RATE_LIMIT") or pace(target)
    examples = int(os.environ.get("FUZZ_EXAMPLES", "10"))
    read_only = os.environ.get("ALLOW_WRITES") != "1"
    cfg = config(
        target,
        live=True,
        base_url=base_url,
        examples=examples,
        rate_limit=rate,
        read_only=read_only,
    )
    schema = schemathesis.openapi.from_path(str(target.profile.spec_path), config=cfg)
    if read_only:
        if not has_safe_operation(target):
            return "read-only"
        schema = schema.include(method=SAFE_METHODS)
    return schema


TARGET = live_target()
READ_ONLY = os.environ.get("ALLOW_WRITES") != "1"
RATE = (os.environ.get("CONTRACT_RATE_LIMIT") or pace(TARGET)) if TARGET else "10/s"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# The time budget per test follows from the pace: schemathesis sends a few requests per example
# (the coverage phase alone sends dozens per operation); allow 30 per example plus a minute.
# An estimate: only Zipteams at 120/min was timed, and 4 per example was too few (80 s).
BUDGET = int(EXAMPLES * 30 * seconds_per_request(RATE)) + 60
SCHEMA = live_schema()

if SCHEMA is None:

    @pytest.mark.skip(reason="no live URL given: set PARTNER and BASE_URL (make contract)")
    def test_live() -> None:
        """Placeholder, so the report says why nothing ran."""

elif SCHEMA == "read-only":

    @pytest.mark.skip(
        reason=f"{os.environ.get('PARTNER')} has no safe (GET/HEAD/OPTIONS) operation: "
        "a read-only run has nothing to send; set ALLOW_WRITES=1 to test its writes"
    )
    def test_live() -> None:
        """Placeholder, so the report says why nothing ran."""

else:

    @pytest.mark.timeout(BUDGET)
    @SCHEMA.parametrize()
    @settings(suppress_health_check=list(HealthCheck), deadline=None)
    def test_live(case: Any) -> None:
        case.call_and_validate()


LIVE_PROBES = probes(TARGET, live=True, read_only=READ_ONLY) if TARGET else []


@pytest.fixture(scope="module")
def live_client() -> Any:
    with httpx.Client(base_url=os.environ["BASE_URL"].rstrip("/"), timeout=30) as client:
        yield client


@pytest.mark.skipif(TARGET is None, reason="no live URL given: set PARTNER and BASE_URL")
@pytest.mark.parametrize("probe", LIVE_PROBES, ids=[p.name for p in LIVE_PROBES])
def test_live_documented(live_client: Any, probe: Probe) -> None:
    """The documented-behaviour checks (documented.py), paced; a 429 is waited out."""
    for _ in range(3):
        time.sleep(seconds_per_request(RATE))
        response = live_client.request(
            probe.method, probe.path, headers=probe.headers, content=probe.content
        )
        if response.status_code != 429 or probe.status == 429:
            break
        time.sleep(float(response.headers.get("retry-after", "60")))
    problems = judge(probe, response.status_code, dict(response.headers), response.text)
    secrets = set(scheme_values(TARGET, live=True).values()) if TARGET else set()
    replay = curl(probe, os.environ["BASE_URL"], secrets)
    assert not problems, f"{probe.name}:\n- " + "\n- ".join(problems) + f"\nReproduce: {replay}"
