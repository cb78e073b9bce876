"""Rate limits as each profile documents them, on the `limits` library (moving window)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .profile import RateRule


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees a slot


class RateLimiter:
    """One limiter for every API; ``rules`` by API name, already adjusted by configuration."""

    def __init__(
        self, rules: Mapping[str, Sequence[RateRule]], clock: Callable[[], float] = time.time
    ) -> None:
        self._rules = {
            api: [(parse(r.limit), frozenset(r.operations)) for r in api_rules]
            for api, api_rules in rules.items()
        }
        self._clock = clock
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    def take(self, api: str, operation_id: str, identity: str) -> Decision | None:
        """Spend one request of ``identity``'s budget; None when no rule applies."""
        applicable: list[RateLimitItem] = [
            item for item, ops in self._rules.get(api, []) if not ops or operation_id in ops
        ]
        tightest: Decision | None = None
        for item in applicable:
            scope = (
                (api, identity, str(item))
                if not self._is_per_operation(api, item)
                else (api, identity, operation_id, str(item))
            )
            allowed = self._limiter.hit(item, *scope)
            stats = self._limiter.get_window_stats(item, *scope)
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

    def _is_per_operation(self, api: str, item: RateLimitItem) -> bool:
        return any(ops for it, ops in self._rules.get(api, []) if it is item)

    def reset(self) -> None:
        self._storage.reset()
