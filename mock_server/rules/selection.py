"""Prism-compatible response selection (pure functions).

``Prefer: code=429``, ``Prefer: example=<name>``, ``Prefer: code=422, example=<name>``, or the
query parameters ``__code`` / ``__example`` for clients that cannot set headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.core.problems import Rejection
from mock_server.core.specindex import Operation, Response

QUERY_CODE = "__code"
QUERY_EXAMPLE = "__example"


@dataclass(frozen=True)
class Preference:
    code: str | None = None
    example: str | None = None


def _first(query: Mapping[str, str], name: str) -> str | None:
    """The first value of a repeated query parameter (a plain mapping holds only one)."""
    getlist = getattr(query, "getlist", None)
    if getlist is None:
        return query.get(name)
    values = getlist(name)
    return values[0] if values else None


def parse_preference(prefer: str | None, query: Mapping[str, str]) -> Preference | None:
    """The response a client asks for, or None when it asks for none.

    A repeated selector means its first value: the first ``Prefer`` header (the caller passes
    that one), the first ``code=``/``example=`` inside it, the first ``__code``/``__example``.
    """
    values: dict[str, str] = {}
    for part in (prefer or "").replace(";", ",").split(","):
        key, sep, value = part.partition("=")
        if sep:
            values.setdefault(key.strip().lower(), value.strip().strip('"'))
    code = _first(query, QUERY_CODE) or values.get("code")
    example = _first(query, QUERY_EXAMPLE) or values.get("example")
    if code is None and example is None:
        return None
    return Preference(code, example)


@dataclass(frozen=True)
class Selected:
    status: int
    body: Any
    response: Response
    example: str | None


def select(operation: Operation, preference: Preference) -> Selected:
    """The documented response ``preference`` names; :class:`Rejection` if there is none."""
    responses = operation.responses
    if preference.code is not None:
        if preference.code not in responses:
            documented = ", ".join(responses)
            raise _refuse(
                f"no response with code {preference.code} is documented for "
                f"{operation.operation_id} (documented: {documented})"
            )
        candidates = [responses[preference.code]]
    else:
        candidates = sorted(responses.values(), key=lambda r: not r.status.startswith("2"))
    for response in candidates:
        if preference.example is None:
            name = next(iter(response.examples), None)
            return Selected(
                _status(response.status),
                response.examples.get(name) if name else None,
                response,
                name,
            )
        if preference.example in response.examples:
            name = preference.example
            return Selected(_status(response.status), response.examples[name], response, name)
    known = sorted({n for r in candidates for n in r.examples})
    raise _refuse(
        f"no example named {preference.example!r} for {operation.operation_id}"
        f"{' with code ' + preference.code if preference.code else ''}"
        f" (examples: {', '.join(known) or 'none'})"
    )


def _status(status: str) -> int:
    return int(status) if status.isdigit() else int(status[0]) * 100


def _refuse(message: str) -> Rejection:
    return Rejection("mock_preference", message=f"Mock: {message}")
