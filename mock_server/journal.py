"""The request journal: what arrived, what the mock answered, and why it refused.

Bounded (a deque of ``capacity`` entries, oldest dropped). Secrets are redacted before an
entry is stored, so neither the journal endpoint nor a log line can leak them.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

# Redaction by rule, in one place: the journal and the callback journal store nothing that
# matches. A key (header name, query or form field, JSON member at any depth) is secret when
# its name, lower-cased with "-" and "_" removed, contains one of these words, or when it is one
# of the spec's own security-scheme header/query names (passed in as ``secret_names``).
SECRET_WORDS = (
    "password", "passwd", "pwd", "secret", "token", "apikey", "authorization", "credential",
    "privatekey", "signature", "session", "cookie",
)  # fmt: skip
# How much of a body the front door keeps for the journal: enough to parse and redact any
# body a journal entry would show; a longer one is stored as size, hash and masked preview.
PARSE_BYTES = 65_536
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s:]+(?::[^/@\s]*)?@")
_PAIR = re.compile(
    r"""(?ix)(["']?([a-z0-9_-]*(?:"""
    + "|".join("[-_]?".join(word) for word in SECRET_WORDS)  # api_key, api-key, apikey
    + r""")[a-z0-9_-]*)["']?\s*[:=]\s*["']?)([^"'&,;\s}]+)"""
)


def mask(value: str) -> str:
    """Keep the last four characters of a long secret so a partner can tell keys apart."""
    return "****" + value[-4:] if len(value) >= 12 else "****"


def is_secret_name(name: str, secret_names: frozenset[str] = frozenset()) -> bool:
    if len(name) <= 64:  # the same few names come by on every request: remembered
        return _secret_short(name, secret_names)
    return _is_secret_name(name, secret_names)


def _is_secret_name(name: str, secret_names: frozenset[str]) -> bool:
    key = name.lower()
    flat = key.replace("-", "").replace("_", "")
    return key in secret_names or any(word in flat for word in SECRET_WORDS)


def mask_text(text: str) -> str:
    """Secrets inside free text: ``key=value`` / ``"key": "value"`` pairs whose key is secret,
    and the user-info of URLs (``https://user:pass@host`` -> ``https://****@host``)."""
    return _mask_short(text) if len(text) <= 256 else _mask_text(text)


def _mask_text(text: str) -> str:
    if "@" in text:
        text = _USERINFO.sub(r"\1****@", text)
    flat = text.lower().replace("-", "").replace("_", "")
    if not any(word in flat for word in SECRET_WORDS):  # the common case: no regex pass
        return text
    return _PAIR.sub(lambda m: m.group(1) + mask(m.group(3)), text)


# Bounded (a few hundred kB at most): short names and values repeat across requests.
_secret_short = functools.lru_cache(maxsize=1024)(_is_secret_name)
_mask_short = functools.lru_cache(maxsize=2048)(_mask_text)


def redact_headers(
    headers: Iterable[tuple[str, str]], secret_names: frozenset[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if is_secret_name(key, secret_names):
            scheme, _, token = value.partition(" ")
            value = f"{scheme} {mask(token)}" if token else mask(value)
        else:
            value = mask_text(value)
        out[key] = value
    return out


def redact_query(query: str, secret_names: frozenset[str] = frozenset()) -> str:
    """A query string with secret parameters masked (``?api_key=…``)."""
    if not query:
        return query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return urllib.parse.urlencode(
        [(k, mask(v) if is_secret_name(k, secret_names) else mask_text(v)) for k, v in pairs]
    )


def _strict(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal} overflows")
    return value


UNPARSED: Any = object()  # redact_body's ``parsed`` when the caller has no parse to give


def redact_body(raw: bytes, limit: int, size: int | None = None, parsed: Any = UNPARSED) -> Any:
    """The body for the journal, never with a secret in it:

    * JSON (strict: no NaN/Infinity) or a URL-encoded form: parsed, secret keys masked at any
      depth, user-info masked in every string; if its compact JSON is longer than ``limit``
      bytes, that text cut at ``limit`` with a marker giving the body's size;
    * anything else (malformed, binary, too deep, or longer than was kept): never stored raw,
      but as ``{size, sha256, preview}``, the preview masked and cut at 200 characters.

    ``parsed`` is the whole body as request validation already parsed it (strict JSON too), so
    it is not parsed again here. Only as much of the document is redacted as the journal keeps
    (see :func:`_redact_within`), so a long body costs no more than a short one.
    """
    total = len(raw) if size is None else size
    redacted: Any = None
    complete = True
    if total == len(raw):
        try:
            if parsed is UNPARSED:
                parsed = json.loads(raw, parse_constant=_strict, parse_float=_finite)
            budget = [limit]
            redacted = _redact_within(parsed, budget)
            complete = budget[0] >= 0
        except (ValueError, RecursionError):
            redacted = _form(raw)
    if redacted is not None:
        text = _dumps(redacted)
        if complete and len(text) <= limit:
            return redacted
        return text[:limit].decode() + f"…[truncated: a body of {total} bytes]"
    preview = mask_text(raw[:400].decode("utf-8", errors="replace"))[:200]
    return {"size": total, "sha256": hashlib.sha256(raw).hexdigest(), "preview": preview}


def _dumps(value: Any) -> bytes:
    """Compact JSON, ASCII only (so its bytes are its characters)."""
    return json.dumps(value, separators=(",", ":")).encode()


def _redact_within(value: Any, budget: list[int]) -> Any:
    """:func:`_redact_json` for the first ``budget[0]`` characters of compact JSON only.

    Each key and scalar taken counts what it adds to the JSON text at least (a string its
    characters, anything else one); once the count passes the budget (``budget[0] < 0``),
    every container stops where it is. The part taken is then a prefix of the whole redacted
    document, longer than the budget, so its JSON text cut at the budget is that of the
    whole document cut there. A 50-item batch is redacted as far as the journal keeps it.
    """
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            budget[0] -= len(str(k)) + 1
            if is_secret_name(str(k)) and isinstance(v, str | int | float):
                out[k] = mask(str(v))
                budget[0] -= len(out[k])
            else:
                out[k] = _redact_within(v, budget)
            if budget[0] < 0:
                break
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for v in value:
            items.append(_redact_within(v, budget))
            if budget[0] < 0:
                break
        return items
    if isinstance(value, str):
        masked = mask_text(value)
        budget[0] -= len(masked)
        return masked
    budget[0] -= 1
    return value


def _form(raw: bytes) -> Any:
    """A URL-encoded form as a redacted mapping, or None if the body is not one."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if "=" not in text or any(c in text for c in ' \n{}[]"'):
        return None
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    return {k: mask(v) if is_secret_name(k) else mask_text(v) for k, v in pairs} or None


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: mask(str(v))
            if is_secret_name(str(k)) and isinstance(v, str | int | float)
            else _redact_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
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
