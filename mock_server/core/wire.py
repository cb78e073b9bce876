"""Wire formats shared by the adapters: a JSON answer over ASGI, and UTC time stamps."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import Send

SET_HERE = {"content-type", "content-length"}

# A scope key: the HTTP parser refused the request's framing after the app had it (a bad chunk
# mid-body); the protocol (asgi/protocol.py) answered 400 and the front door journals it so.
FRAMING_ERROR = "mock.framing_error"


async def send_json(send: Send, status: int, body: Any, headers: Mapping[str, Any]) -> None:
    """Send ``body`` (bytes or text sent as they are; anything else as JSON) with ``status``
    and ``headers`` (their own content type and length are replaced)."""
    if isinstance(body, bytes):
        payload = body
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = b"" if body is None else dumps_json(body)
    extra = [
        (k.lower().encode(), str(v).encode())
        for k, v in headers.items()
        if k.lower() not in SET_HERE
    ]
    await send_body(send, status, payload, "application/json", extra)


def dumps_json(body: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """``body`` as compact UTF-8 JSON: answers, and the journal's entries and their sizes.

    orjson, not the standard library: a fraction of its time on a batch answer and on every
    journal entry (measured in bench/inproc.py), and it never writes NaN or Infinity, which are
    not JSON (they come out as null). What orjson refuses is still written, in the same form:
    an integer past 64 bits (a client may send one; it is echoed back) through
    ``orjson.Fragment``, so that one writer formats every number; a document nested past
    orjson's 254 levels, or holding a string with a lone surrogate, by the standard library.
    """
    try:
        return orjson.dumps(body, default=default, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        pass
    try:
        fragments = _big_ints_as_fragments(body)
        return orjson.dumps(fragments, default=default, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        compact = json.dumps(body, default=default, separators=(",", ":"), ensure_ascii=False)
        # A lone surrogate (a refused body as the journal keeps it) goes out as its JSON escape.
        return compact.encode("utf-8", "backslashreplace")


def _big_ints_as_fragments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _big_ints_as_fragments(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_big_ints_as_fragments(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return orjson.Fragment(str(value))
    return value


async def send_body(
    send: Send,
    status: int,
    payload: bytes,
    media_type: str | None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """One whole answer: status, its media type and length, then the bytes."""
    raw = [(b"content-length", str(len(payload)).encode())]
    if media_type is not None:
        raw.insert(0, (b"content-type", media_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw + (headers or [])})
    await send({"type": "http.response.body", "body": payload})


def utc_stamp(epoch: float) -> str:
    """``2026-11-23T18:26:07Z``: ISO 8601 in UTC to the second, as the specs' examples write it."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
