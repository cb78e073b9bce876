"""The request journal: what arrived, what the mock answered, and why it refused.

Bounded twice: at most ``capacity`` entries and at most ``max_bytes`` of them in total (their
JSON size), oldest dropped first; an entry over ``entry_bytes`` is cut (``bounded``) with a
visible ``truncated`` marker before it is stored. So the answer of ``GET /__mock/requests``
can never be larger than ``max_bytes``. Secrets are redacted before an entry is stored, so
neither the journal endpoint nor a log line can leak them.
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

from mock_server.core.wire import dumps_json

# Redaction by rule, in one place: the journal and the callback journal store nothing that
# matches. A key (header name, query or form field, JSON member at any depth) is secret when
# its name, lower-cased with "-" and "_" removed, contains one of these words, or when it is one
# of the spec's own security-scheme header/query names (passed in as ``secret_names``).
SECRET_WORDS = (
    "password", "passwd", "pwd", "secret", "token", "apikey", "authorization", "credential",
    "privatekey", "accesskey", "signature", "session", "cookie",
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
                # UTF-8 text only, as the APIs read it (json.loads of bytes would also take
                # UTF-16/32 and a BOM, and show a refused body as if it were good JSON)
                decoded = raw.decode("utf-8")
                parsed = json.loads(decoded, parse_constant=_strict, parse_float=_finite)
            budget = [limit]
            redacted = _redact_within(parsed, budget)
            complete = budget[0] >= 0
        except (ValueError, RecursionError):
            redacted = _form(raw)
    if redacted is not None:
        text = json_bytes(redacted)
        if complete and len(text) <= limit:
            return redacted
        return text[:limit].decode(errors="ignore") + f"…[truncated: a body of {total} bytes]"
    preview = mask_text(_preview_text(raw[:400]))[:200]
    return {"size": total, "sha256": hashlib.sha256(raw).hexdigest(), "preview": preview}


def _preview_text(head: bytes) -> str:
    """The start of a body kept unparsed, decoded the way JSON text may be encoded (UTF-8, -16
    or -32, with or without a BOM: the standard library's own ``json.detect_encoding``), so
    that the masking reads the secrets in a UTF-16 body too (read as UTF-8, "p\0a\0s\0s"
    matches no secret name)."""
    return head.decode(json.detect_encoding(head), errors="replace")


def json_bytes(value: Any) -> bytes:
    """A journal entry (or a body in it) as compact UTF-8 JSON: what the journal holds, counts
    and serves (the answers' writer, anything it cannot write as a string)."""
    return dumps_json(value, default=str)


def size_of(value: Any) -> int:
    """A journal entry's size: the bytes of its compact UTF-8 JSON."""
    return len(json_bytes(value))


def _redact_within(value: Any, budget: list[int]) -> Any:
    """The body with secret keys masked at any depth and user-info masked in every string,
    for the first ``budget[0]`` characters of its compact JSON only.

    Each member and item taken counts what it adds to the JSON text at least: a key its
    characters, two quotes, the colon and one comma or brace; a string its characters and two
    quotes; an item one comma or bracket; any other scalar one. Once the count passes the
    budget (``budget[0] < 0``), every container stops where it is. The part taken is then a
    prefix of the whole redacted document, longer than the budget, so its JSON text cut at the
    budget is that of the whole document cut there. A 50-item batch is redacted as far as the
    journal keeps it.
    """
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            name = str(k)
            budget[0] -= len(name) + 4
            if is_secret_name(name) and isinstance(v, str | int | float):
                out[k] = mask(str(v))
                budget[0] -= len(out[k]) + 2
            else:
                out[k] = _redact_within(v, budget)
            if budget[0] < 0:
                break
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for v in value:
            budget[0] -= 1
            items.append(_redact_within(v, budget))
            if budget[0] < 0:
                break
        return items
    if isinstance(value, str):
        masked = mask_text(value)
        budget[0] -= len(masked) + 2
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


# Fields an entry keeps whole however it is cut: small scalars that say what happened.
_KEPT = ("id", "time", "api", "operation", "credential", "method", "status", "outcome", "state")
# Room left for the ``truncated`` marker and the ``id`` the store adds.
_MARKER_ROOM = 160


def bounded(entry: Mapping[str, Any], entry_bytes: int) -> dict[str, Any]:
    """``entry`` if it fits in ``entry_bytes``; otherwise its bulkiest fields, largest first,
    replaced by a cut of their JSON text ending ``…[truncated]``, and a ``truncated`` marker
    saying how large the entry was. Never larger than ``entry_bytes`` (a floor of 512)."""
    return bounded_text(entry, entry_bytes)[0]


def bounded_text(entry: Mapping[str, Any], entry_bytes: int) -> tuple[dict[str, Any], bytes]:
    """:func:`bounded`, and its JSON text (serialised once when the entry fits)."""
    out = dict(entry)
    text = json_bytes(out)
    if len(text) <= entry_bytes:
        return out, text
    limit = max(entry_bytes, 512)
    marker = {"bytes": len(text), "limit": limit}
    budget = limit - _MARKER_ROOM
    sizes = {k: size_of({k: v}) for k, v in out.items() if k not in _KEPT}
    for key in sorted(sizes, key=sizes.__getitem__, reverse=True):
        over = size_of(out) - budget
        if over <= 0:
            break
        field_text = json_bytes(out[key]).decode()
        keep = max(0, len(field_text) - over - 40)
        out[key] = field_text[:keep] + "…[truncated]" if keep else "…[truncated]"
    if size_of(out) > budget:  # many middling fields: keep only what says what happened
        out = {k: out[k] for k in _KEPT if k in out and size_of({k: out[k]}) < 256}
    out["truncated"] = marker
    return out, json_bytes(out)


def select(
    newest_first: Iterable[dict[str, Any]], api: str | None, status: int | None, limit: int
) -> list[dict[str, Any]]:
    """The journal route's filter (API name, status) and cap, over entries newest first."""
    out = [
        e
        for e in newest_first
        if (api is None or e.get("api") == api) and (status is None or e.get("status") == status)
    ]
    return out[: max(0, limit)]


class Journal:
    def __init__(
        self, capacity: int = 500, max_bytes: int = 4 << 20, entry_bytes: int = 8192
    ) -> None:
        self._entries: deque[tuple[dict[str, Any], int]] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.entry_bytes = entry_bytes
        self._bytes = 0
        self._generation = 0

    def record(self, entry: Mapping[str, Any]) -> None:
        item, text = bounded_text(entry, self.entry_bytes)
        with self._lock:
            number = next(self._ids)
            item = {"id": number, **item}
            size = len(text) + len(str(number)) + 6  # its JSON with '"id":N,' in front
            self._entries.append((item, size))
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.capacity or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft()[1]

    def query(
        self, api: str | None = None, status: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Newest first, filtered by API name and status."""
        with self._lock:
            entries = [e for e, _ in self._entries]
        return select(reversed(entries), api, status, limit)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1

    def generation(self) -> int:
        """How many times it was cleared: work scheduled before a clear (a callback's retry)
        compares it to drop itself."""
        return self._generation

    def total_bytes(self) -> int:
        with self._lock:
            return self._bytes
