"""The same suite against a live endpoint: ``make contract PARTNER=<name> BASE_URL=https://...``.

Read-only unless ``ALLOW_WRITES=1``; paced under the partner's documented rate limit;
credentials from ``CONTRACT_<PARTNER>_<SCHEME>`` environment variables (README, "Live
endpoints"). Without ``BASE_URL`` there is nothing to test, and the tests say so.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .suite import config
from .targets import Target, targets

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


def live_schema() -> Any:
    partner, base_url = os.environ.get("PARTNER"), os.environ.get("BASE_URL")
    if not partner or not base_url:
        return None
    target = next((t for t in targets() if t.name == partner), None)
    if target is None:
        raise SystemExit(
            f"PARTNER={partner!r}: no such partner (have {[t.name for t in targets()]})"
        )
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
        schema = schema.include(method=SAFE_METHODS)
    return schema


SCHEMA = live_schema()

if SCHEMA is None:

    @pytest.mark.skip(reason="no live URL given: set PARTNER and BASE_URL (make contract)")
    def test_live() -> None:
        """Placeholder, so the report says why nothing ran."""

else:

    @SCHEMA.parametrize()
    @settings(suppress_health_check=list(HealthCheck), deadline=None)
    def test_live(case: Any) -> None:
        case.call_and_validate()
