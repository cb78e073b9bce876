"""The house schema keywords of specs/README.md are well-formed where they appear."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.walk import as_dict, schemas


def _after_problems(schema: dict[str, Any]) -> Iterator[str]:
    rule = schema["x-after"]
    if not (isinstance(rule, dict) and rule):
        yield "x-after must be a mapping {<later>: <earlier>}"
        return
    properties = as_dict(schema.get("properties"))
    for later, earlier in rule.items():
        if not isinstance(earlier, str):
            yield f"x-after: {later}: must name a property"
            continue
        for name in (later, earlier):
            if properties and name not in properties:
                yield f"x-after names {name!r}, which is not in properties"
            elif as_dict(properties.get(name)).get("format", "date-time") != "date-time":
                yield f"x-after names {name!r}, which is not format: date-time"


def _unique_by_problems(schema: dict[str, Any]) -> Iterator[str]:
    pointer = schema["x-unique-by"]
    if not isinstance(pointer, str) or not (pointer == "" or pointer.startswith("/")):
        yield "x-unique-by must be a JSON pointer such as /call/id"
    if schema.get("type", "array") != "array":
        yield "x-unique-by belongs on an array schema"


@spec_rule
def house_keywords(spec: SpecContext) -> Iterator[Finding]:
    """``x-after`` sits on objects as ``{later: earlier}``; ``x-unique-by`` on arrays."""
    for site in schemas(spec.doc):
        if "x-after" in site.node:
            for problem in _after_problems(site.node):
                yield spec.finding(ptr(site.pointer, "x-after"), problem)
        if "x-unique-by" in site.node:
            for problem in _unique_by_problems(site.node):
                yield spec.finding(ptr(site.pointer, "x-unique-by"), problem)
