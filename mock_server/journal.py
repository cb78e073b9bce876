"""The request journal: what arrived, what the mock answered, and why it refused.

Bounded (a deque of ``capacity`` entries, oldest dropped). Secrets are redacted before an
entry is stored, so neither the journal endpoint nor a log line can leak them.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

ALWAYS_SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
SECRET_KEYS = frozenset(
    {"password", "secret", "token", "access_token", "api_key", "api_secret", "refresh_token"}
)


def mask(value: str) -> str:
    """Keep the last four characters of a long secret so a partner can tell keys apart."""
    return "****" + value[-4:] if len(value) >= 12 else "****"


def redact_headers(
    headers: Iterable[tuple[str, str]], secret_names: frozenset[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in secret_names or key in ALWAYS_SECRET_HEADERS:
            scheme, _, token = value.partition(" ")
            value = f"{scheme} {mask(token)}" if token else mask(value)
        out[key] = value
    return out


def redact_body(raw: bytes, limit: int) -> Any:
    """The body as JSON with secret keys masked, or as text, cut at ``limit`` bytes."""
    text = raw[:limit].decode("utf-8", errors="replace")
    try:
        return _redact_json(json.loads(raw)) if len(raw) <= limit else text + "…"
    except ValueError:
        return text + ("…" if len(raw) > limit else "")


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: mask(str(v)) if k.lower() in SECRET_KEYS and isinstance(v, str) else _redact_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return value


class Journal:
    def __init__(self, capacity: int = 500) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: Mapping[str, Any]) -> None:
        with self._lock:
            self._entries.append({"id": next(self._ids), **entry})

    def query(
        self, api: str | None = None, status: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Newest first, filtered by API name and status."""
        with self._lock:
            entries = list(self._entries)
        out = [
            e
            for e in reversed(entries)
            if (api is None or e.get("api") == api)
            and (status is None or e.get("status") == status)
        ]
        return out[: max(0, limit)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
