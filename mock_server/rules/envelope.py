"""The values a partner's error envelope template is filled with (pure functions; the filling
itself, one syntax for every template, is :mod:`.template`).

A template is the partner's error body with placeholders (``{name}``; ``{name?}`` drops the key
when the value is empty). Values:

``{message}`` ``{code}`` ``{status}`` ``{trace_id}`` ``{timestamp}``
    scalars of the refusal;
``{problems}``
    a list of ``{"field": path, "message": text}``, one per problem;
``{problems_map}``
    an object ``{path: text}`` (later problems on the same path are joined with ``; ``).

Templates are data so that a new partner with the same kinds of field needs no code; a
genuinely new kind of field is a new value here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mock_server.core.problems import PathPart


def format_path(path: Sequence[PathPart], style: str) -> str:
    """Render a value's location: ``brackets`` → ``data[0].call.id``, ``dotted`` →
    ``data.0.call.id``, ``pointer`` → ``/data/0/call/id``."""
    if style == "pointer":
        return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
    if style == "dotted":
        return ".".join(str(p) for p in path)
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def problem_values(fields: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The ``{problems}`` and ``{problems_map}`` values for (path, message) pairs."""
    as_map: dict[str, str] = {}
    for path, message in fields:
        as_map[path] = f"{as_map[path]}; {message}" if path in as_map else message
    return {
        "problems": [{"field": path, "message": message} for path, message in fields],
        "problems_map": as_map,
    }
