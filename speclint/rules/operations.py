"""Rules 2, 3 and 10: operationId, summary/tags/security, and the x- markers of operations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import cross_rule, spec_rule
from speclint.walk import as_dict, as_list, find_operation, operations, resolve

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


LOCATIONS = ("path", "query", "header", "cookie")


def _parameter_names(
    spec: SpecContext, op_pointer: str, item: dict[str, Any], node: dict[str, Any]
) -> set[str]:
    """``in.name`` and ``name`` of every parameter an operation takes (path item's and own)."""
    names: set[str] = set()
    for raw in (*as_list(item.get("parameters")), *as_list(node.get("parameters"))):
        found = resolve(spec.doc, op_pointer, raw)
        param = as_dict(found.node if found else None)
        if isinstance(param.get("name"), str):
            names |= {param["name"], f"{param.get('in')}.{param['name']}"}
            if param.get("in") == "header":  # header names match in any case (RFC 9110)
                names.add(f"header.{param['name'].lower()}")
    return names


def _taken(key: str, names: set[str]) -> bool:
    where, _, name = key.rpartition(".")
    return key in names or (where in ("", "header") and f"header.{name.lower()}" in names)


@spec_rule
def link_targets(spec: SpecContext) -> Iterator[Finding]:
    """A response link names an operation of the spec and only parameters it takes."""
    seen: set[str] = set()  # a response shared through $ref: its links are checked once
    for op in operations(spec.doc):
        for status, raw in as_dict(op.node.get("responses")).items():
            response = resolve(spec.doc, ptr(op.pointer, "responses", status), raw)
            if response is None or response.pointer in seen:
                continue
            seen.add(response.pointer)
            for name, raw_link in as_dict(as_dict(response.node).get("links")).items():
                at = ptr(response.pointer, "links", name)
                found = resolve(spec.doc, at, raw_link)
                link = as_dict(found.node if found else None)
                target_id = link.get("operationId")
                if not isinstance(target_id, str):
                    continue  # operationRef links (not used here) are not followed
                target = find_operation(spec.doc, target_id)
                if target is None:
                    yield spec.finding(
                        ptr(at, "operationId"), f"no operation has operationId {target_id!r}"
                    )
                    continue
                taken = _parameter_names(spec, target.pointer, target.path_item, target.node)
                for key in as_dict(link.get("parameters")):
                    if not _taken(key, taken):
                        plain = sorted(n for n in taken if n.split(".")[0] not in LOCATIONS)
                        yield spec.finding(
                            ptr(at, "parameters", key),
                            f"{target_id} takes no parameter {key!r} "
                            f"(it takes: {', '.join(plain) or 'none'})",
                        )
