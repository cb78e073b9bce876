"""Rules 2, 3 and 10: operationId, summary/tags/security, and the x- markers of operations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import cross_rule, spec_rule
from speclint.walk import as_list, operations

CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
MARKERS = ("x-provisional", "x-derived-from")


def non_empty_str(value: object) -> bool:
    """A string with something besides whitespace."""
    return isinstance(value, str) and bool(value.strip())


@spec_rule
def operation_id(spec: SpecContext) -> Iterator[Finding]:
    """Every operation has a camelCase operationId."""
    for op in operations(spec.doc):
        value = op.node.get("operationId")
        if value is None:
            yield spec.finding(op.pointer, "operation has no operationId")
        elif not (isinstance(value, str) and CAMEL_CASE.match(value)):
            yield spec.finding(ptr(op.pointer, "operationId"), f"{value!r} is not camelCase")


@cross_rule
def operation_id_unique(specs: Sequence[SpecContext]) -> Iterator[Finding]:
    """operationIds are unique across all the specs linted together."""
    seen: defaultdict[str, list[tuple[SpecContext, str]]] = defaultdict(list)
    for spec in specs:
        for op in operations(spec.doc):
            if isinstance(op.node.get("operationId"), str):
                seen[op.node["operationId"]].append((spec, ptr(op.pointer, "operationId")))
    for value, places in seen.items():
        for spec, pointer in places:
            others = [f"{s.file}#{p}" for s, p in places if (s, p) != (spec, pointer)]
            if others:
                yield spec.finding(
                    pointer, f"operationId {value!r} is also used at " + ", ".join(others)
                )


@spec_rule
def operation_metadata(spec: SpecContext) -> Iterator[Finding]:
    """Every operation has a summary and one or more tags."""
    for op in operations(spec.doc):
        if not non_empty_str(op.node.get("summary")):
            yield spec.finding(op.pointer, "operation has no summary")
        tags = op.node.get("tags")
        if not (isinstance(tags, list) and tags and all(non_empty_str(t) for t in tags)):
            yield spec.finding(op.pointer, "operation has no tags (a non-empty list of strings)")


@spec_rule
def operation_security(spec: SpecContext) -> Iterator[Finding]:
    """Explicit operation-level security; anonymous access only with ``x-public: <reason>``."""
    for op in operations(spec.doc):
        if "security" not in op.node:
            yield spec.finding(op.pointer, "operation has no operation-level security")
            continue
        security = op.node["security"]
        reason = op.node.get("x-public")
        anonymous = security == [] or any(req == {} for req in as_list(security))
        if anonymous and not non_empty_str(reason):
            yield spec.finding(
                ptr(op.pointer, "security"),
                "anonymous access (security: [] or {}) needs x-public: <reason>",
            )
        if "x-public" in op.node and not anonymous:
            yield spec.finding(
                ptr(op.pointer, "x-public"), "x-public is set but the operation requires security"
            )
        elif "x-public" in op.node and not non_empty_str(reason):
            yield spec.finding(ptr(op.pointer, "x-public"), "x-public must be a non-empty reason")


@spec_rule
def operation_markers(spec: SpecContext) -> Iterator[Finding]:
    """``x-provisional`` and ``x-derived-from``, when present, are non-empty strings."""
    for op in operations(spec.doc):
        for marker in MARKERS:
            if marker in op.node and not non_empty_str(op.node[marker]):
                yield spec.finding(
                    ptr(op.pointer, marker), f"{marker} must be a non-empty string saying why"
                )
