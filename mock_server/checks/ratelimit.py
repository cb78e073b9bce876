"""Rate limits as each profile documents them, on the `limits` library (moving window)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from mock_server.core.problems import Rejection
from mock_server.core.profile import RateRule


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees a slot


class RateLimiter:
    """One limiter for every API; ``rules`` by API name, already adjusted by configuration."""

    def __init__(
        self,
        rules: Mapping[str, Sequence[RateRule]],
        clock: Callable[[], float] = time.time,
        enforce: bool = True,
        storage: Storage | None = None,
    ) -> None:
        """``storage``: limits' own (a Redis one shares windows across processes, created
        with ``wrap_exceptions`` so an outage is a :class:`StorageError`); memory by default."""
        self.enforce = enforce
        self._rules = {
            api: [(parse(r.limit), frozenset(r.operations)) for r in api_rules]
            for api, api_rules in rules.items()
        }
        self._clock = clock
        self._storage = storage or MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    def take(self, api: str, operation_id: str, identity: str) -> Decision | None:
        """Spend one request of ``identity``'s budget; None when no rule applies. A rule with
        ``operations`` counts per operation; one without counts every request to the API.
        Unenforced (limits switched off), every request is allowed and the documented limit
        is reported untouched, without touching the storage."""
        tightest: Decision | None = None
        for item, ops in self._rules.get(api, []):
            if ops and operation_id not in ops:
                continue
            if not self.enforce:
                return Decision(True, item.amount, item.amount, item.get_expiry())
            scope = (
                (api, identity, str(item)) if not ops else (api, identity, operation_id, str(item))
            )
            try:
                allowed = self._limiter.hit(item, *scope)
                stats = self._limiter.get_window_stats(item, *scope)
            except StorageError as exc:
                raise Rejection("unavailable", headers={"Retry-After": "1"}) from exc
            reset_after = max(0, math.ceil(stats.reset_time - self._clock()))
            decision = Decision(allowed, item.amount, stats.remaining, reset_after)
            if (
                tightest is None
                or (not decision.allowed and tightest.allowed)
                or decision.remaining < tightest.remaining
            ):
                tightest = decision
            if not allowed:
                break
        return tightest

    def reset(self) -> None:
        try:
            self._storage.reset()
        except StorageError as exc:
            raise Rejection("unavailable", headers={"Retry-After": "1"}) from exc


def rate_limit_headers(names: Mapping[str, str], decision: Decision, now: float) -> dict[str, str]:
    """A profile's rate-limit headers (``limits.headers``: limit, remaining, reset in seconds,
    reset_epoch) for ``decision``."""
    values = {
        "limit": decision.limit,
        "remaining": decision.remaining,
        "reset": decision.reset_after,
        "reset_epoch": int(now) + decision.reset_after,
    }
    return {header: str(values[key]) for key, header in names.items()}
