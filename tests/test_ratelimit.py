"""The rate limiter: enforced (moving window on `limits`) and switched off."""

from __future__ import annotations

from mock_server.checks.ratelimit import RateLimiter, rate_limit_headers
from mock_server.core.profile import RateRule

RULES = {"api": [RateRule("3/minute"), RateRule("1/minute", ("batch",))]}


def test_enforced_limit_counts_down_then_refuses_per_identity() -> None:
    limiter = RateLimiter(RULES, clock=lambda: 0.0)
    decisions = [limiter.take("api", "list", "key-1") for _ in range(4)]
    assert [(d.allowed, d.remaining) for d in decisions if d] == [
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
    ]
    other = limiter.take("api", "list", "key-2")
    assert other is not None and other.allowed and other.remaining == 2


def test_operation_rule_applies_to_its_operation_only() -> None:
    limiter = RateLimiter(RULES, clock=lambda: 0.0)
    first, second = limiter.take("api", "batch", "k"), limiter.take("api", "batch", "k")
    assert first is not None and first.allowed
    assert second is not None and not second.allowed and second.limit == 1
    listed = limiter.take("api", "list", "k")
    assert listed is not None and listed.allowed


def test_unenforced_limiter_allows_everything_and_reports_the_documented_limit() -> None:
    limiter = RateLimiter(RULES, clock=lambda: 0.0, enforce=False)
    decisions = [limiter.take("api", "batch", "k") for _ in range(10)]
    assert all(d is not None and d.allowed and d.remaining == d.limit for d in decisions)
    assert limiter.take("other-api", "x", "k") is None


def test_headers_in_the_profile_names() -> None:
    limiter = RateLimiter(RULES, clock=lambda: 100.0)
    decision = limiter.take("api", "list", "k")
    assert decision is not None
    names = {"limit": "X-L", "remaining": "X-R", "reset_epoch": "X-E", "reset": "X-S"}
    headers = rate_limit_headers(names, decision, 100.0)
    assert headers["X-L"] == "3" and headers["X-R"] == "2"
    assert int(headers["X-E"]) == 100 + int(headers["X-S"])
