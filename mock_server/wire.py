"""Wire formats shared by the adapters: a JSON answer over ASGI, and UTC time stamps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.types import Send

SET_HERE = {"content-type", "content-length"}


async def send_json(send: Send, status: int, body: Any, headers: Mapping[str, Any]) -> None:
    """Send ``body`` (bytes or text sent as they are; anything else as JSON) with ``status``
    and ``headers`` (their own content type and length are replaced)."""
    if isinstance(body, bytes):
        payload = body
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = b"" if body is None else json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [
        (k.lower().encode(), str(v).encode())
        for k, v in headers.items()
        if k.lower() not in SET_HERE
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def utc_stamp(epoch: float) -> str:
    """``2026-11-23T18:26:07Z``: ISO 8601 in UTC to the second, as the specs' examples write it."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
