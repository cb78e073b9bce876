"""The house schema keywords (the ``vendor_keywords`` table) are well-formed where they appear."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.walk import as_dict, schemas
from vendor_keywords import X_AFTER, X_CSV_ROWS, X_UNIQUE_BY


def _after_problems(schema: dict[str, Any]) -> Iterator[str]:
    rule = schema[X_AFTER]
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
    pointer = schema[X_UNIQUE_BY]
    if not isinstance(pointer, str) or not (pointer == "" or pointer.startswith("/")):
        yield "x-unique-by must be a JSON pointer such as /call/id"
    if schema.get("type", "array") != "array":
        yield "x-unique-by belongs on an array schema"


def _csv_rows_problems(schema: dict[str, Any]) -> Iterator[str]:
    rule = schema[X_CSV_ROWS]
    if not isinstance(rule, dict) or not isinstance(rule.get("example"), str):
        yield "x-csv-rows must be a mapping with an example first cell (header, pattern, min_rows)"
        return
    try:
        pattern = re.compile(str(rule.get("pattern", ".*")))
    except re.error as exc:
        yield f"x-csv-rows pattern does not compile: {exc}"
        return
    if not pattern.search(rule["example"]):
        yield f"x-csv-rows example {rule['example']!r} does not match its pattern"
    if not isinstance(rule.get("min_rows", 0), int) or rule.get("min_rows", 0) < 0:
        yield "x-csv-rows min_rows must be a non-negative integer"


# The shape check of every keyword in the vendor_keywords table, by name
# (tests/test_vendor_keywords.py).
SHAPE_CHECKS: dict[str, Callable[[dict[str, Any]], Iterator[str]]] = {
    X_AFTER: _after_problems,
    X_UNIQUE_BY: _unique_by_problems,
    X_CSV_ROWS: _csv_rows_problems,
}


@spec_rule
def house_keywords(spec: SpecContext) -> Iterator[Finding]:
    """``x-after`` sits on objects as ``{later: earlier}``; ``x-unique-by`` on arrays;
    ``x-csv-rows`` is a mapping whose example matches its pattern."""
    for site in schemas(spec.doc):
        for keyword, check in SHAPE_CHECKS.items():
            if keyword in site.node:
                for problem in check(site.node):
                    yield spec.finding(ptr(site.pointer, keyword), problem)
