"""Render a partner's error envelope from its profile template (pure functions).

A template is the partner's error body with placeholders: any string value ``$name`` is
replaced by a value. A placeholder ending in ``?`` is dropped, key and all, when its value is
empty. Placeholders:

``$message`` ``$code`` ``$status`` ``$trace_id`` ``$timestamp``
    scalars of the refusal;
``$problems``
    a list of ``{"field": path, "message": text}``, one per problem;
``$problems_map``
    an object ``{path: text}`` (later problems on the same path are joined with ``; ``).

Templates are data so that a new partner with the same kinds of field needs no code; a
genuinely new kind of field is a new placeholder here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .problems import PathPart


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


def render(template: Any, values: Mapping[str, Any]) -> Any:
    """Fill ``template`` with ``values``; see the module docstring."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, sub in template.items():
            if isinstance(sub, str) and sub.startswith("$") and sub.endswith("?"):
                value = values.get(sub[1:-1])
                if value in (None, "", [], {}):
                    continue
                out[key] = value
            else:
                out[key] = render(sub, values)
        return out
    if isinstance(template, list):
        return [render(item, values) for item in template]
    if isinstance(template, str) and template.startswith("$"):
        return values.get(template[1:])
    return template


def problem_values(fields: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The ``$problems`` and ``$problems_map`` values for (path, message) pairs."""
    as_map: dict[str, str] = {}
    for path, message in fields:
        as_map[path] = f"{as_map[path]}; {message}" if path in as_map else message
    return {
        "problems": [{"field": path, "message": message} for path, message in fields],
        "problems_map": as_map,
    }
