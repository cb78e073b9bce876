"""Rule 7: no unused components; every $ref resolves; security names defined schemes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from speclint.model import Finding, SpecContext, ptr, unescape
from speclint.registry import spec_rule
from speclint.walk import as_dict, as_list, components, iter_refs, lookup, operations

KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "links",
    "callbacks",
)


def component_of(ref: str) -> tuple[str, str] | None:
    """``(kind, name)`` for a ref into ``#/components/<kind>/<name>[/...]``."""
    parts = ref.split("/")
    if len(parts) >= 4 and parts[0] == "#" and parts[1] == "components" and parts[2] in KINDS:
        return parts[2], unescape(parts[3])
    return None


def reachable(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """Components reachable by ``$ref`` from outside ``components`` (transitively)."""
    # Hand-rolled graph walk: a component used only by an unused component is unused too.
    edges: defaultdict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    roots: set[tuple[str, str]] = set()
    for located in iter_refs(doc):
        target = component_of(located.node)
        if target is None:
            continue
        source = component_of("#" + located.pointer)
        if located.pointer.startswith("/components/") and source is not None:
            edges[source].add(target)
        else:
            roots.add(target)
    seen: set[tuple[str, str]] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges[node])
    return seen


def security_requirements(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, requirement)`` for root-level and operation-level security."""
    for index, req in enumerate(as_list(doc.get("security"))):
        yield ptr("", "security", index), as_dict(req)
    for op in operations(doc):
        for index, req in enumerate(as_list(op.node.get("security"))):
            yield ptr(op.pointer, "security", index), as_dict(req)


@spec_rule
def unused_components(spec: SpecContext) -> Iterator[Finding]:
    """Every component is referenced (security schemes: named in a security requirement)."""
    used = reachable(spec.doc)
    for kind in KINDS:
        for name in components(spec.doc, kind):
            if (kind, name) not in used:
                yield spec.finding(
                    ptr("/components", kind, name),
                    f"unused component (no $ref reaches {kind}/{name} from outside components)",
                )
    named = {name for _, req in security_requirements(spec.doc) for name in req}
    for name in components(spec.doc, "securitySchemes"):
        if name not in named:
            yield spec.finding(
                ptr("/components/securitySchemes", name),
                "unused security scheme (named in no security requirement)",
            )


@spec_rule
def security_schemes_defined(spec: SpecContext) -> Iterator[Finding]:
    """Security requirements name schemes defined in ``components/securitySchemes``."""
    defined = components(spec.doc, "securitySchemes")
    for pointer, req in security_requirements(spec.doc):
        for name in req:
            if name not in defined:
                yield spec.finding(ptr(pointer, name), f"security scheme {name!r} is not defined")


@spec_rule
def refs_resolve(spec: SpecContext) -> Iterator[Finding]:
    """Every ``$ref`` is internal (``#/...``) and resolves."""
    for located in iter_refs(spec.doc):
        ref = located.node
        if not ref.startswith("#/"):
            yield spec.finding(ptr(located.pointer, "$ref"), f"{ref!r} is not an internal ref")
        elif lookup(spec.doc, ref) is None:
            yield spec.finding(ptr(located.pointer, "$ref"), f"{ref!r} does not resolve")
