"""Rules 4, 5 and 8: named examples, the error envelope, and Retry-After on 429."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.rules.operations import non_empty_str
from speclint.walk import (
    ERROR_STATUS,
    Located,
    as_dict,
    body_media_types,
    components,
    is_json,
    operations,
    resolve,
)

ERROR_REF = "#/components/schemas/Error"


def op_responses(spec: SpecContext, select: Any) -> Iterator[tuple[str, Located]]:
    """``(status, resolved response)`` for every operation response whose status passes
    ``select``; a shared component comes back once per use (callers dedupe by pointer)."""
    for op in operations(spec.doc):
        for status, node in as_dict(op.node.get("responses")).items():
            if select(status):
                found = resolve(spec.doc, ptr(op.pointer, "responses", status), node)
                if found is not None and isinstance(found.node, dict):
                    yield status, found


def unique_responses(spec: SpecContext, select: Any) -> Iterator[Located]:
    """Resolved responses for statuses passing ``select``, each definition once."""
    seen: set[str] = set()
    for _, found in op_responses(spec, select):
        if found.pointer not in seen:
            seen.add(found.pointer)
            yield found


def named_values(spec: SpecContext, media: dict[str, Any]) -> list[str]:
    """Names of the media type's examples that resolve to an object with a ``value``."""
    names = []
    for name, example in as_dict(media.get("examples")).items():
        found = resolve(spec.doc, "", example)
        if found is not None and "value" in as_dict(found.node):
            names.append(name)
    return names


def has_named_example(spec: SpecContext, response: dict[str, Any]) -> bool:
    """Some media type of the response has a named example with a value."""
    content = as_dict(response.get("content"))
    return any(named_values(spec, as_dict(media)) for media in content.values())


BODILESS = frozenset({"204", "205"})


@spec_rule
def success_example(spec: SpecContext) -> Iterator[Finding]:
    """Every operation has a 2xx response with a named example."""
    for op in operations(spec.doc):
        statuses = as_dict(op.node.get("responses"))
        found = [
            resolve(spec.doc, ptr(op.pointer, "responses", s), n)
            for s, n in statuses.items()
            if s.startswith("2")
        ]
        bodiless = [
            s for s in statuses if s in BODILESS and not as_dict(statuses[s]).get("content")
        ]
        if bodiless:
            continue  # a 204/205 has no body to give an example of (RFC 9110 §15.3.5)
        if not any(f is not None and has_named_example(spec, as_dict(f.node)) for f in found):
            yield spec.finding(
                ptr(op.pointer, "responses"),
                "no 2xx response with a named example (content.<media>.examples.<name>.value)",
            )


@spec_rule
def request_example(spec: SpecContext) -> Iterator[Finding]:
    """Every request body has a named example, so clients and the fuzzer start from a real one."""
    for op in operations(spec.doc):
        if "requestBody" not in op.node:
            continue
        found = resolve(spec.doc, ptr(op.pointer, "requestBody"), op.node["requestBody"])
        if found is None or not has_named_example(spec, as_dict(found.node)):
            yield spec.finding(
                ptr(op.pointer, "requestBody"),
                "request body has no named example (content.<media>.examples.<name>.value)",
            )


@spec_rule
def named_examples(spec: SpecContext) -> Iterator[Finding]:
    """Request bodies and responses use named ``examples: {name: {summary, value}}`` only."""
    for site in body_media_types(spec.doc):  # parameters and headers may use bare `example`
        if "example" in site.node:
            yield spec.finding(
                ptr(site.pointer, "example"),
                "bare `example`; use named `examples: {<name>: {summary, value}}`",
            )
        for name, example in as_dict(site.node.get("examples")).items():
            where = ptr(site.pointer, "examples", name)
            found = resolve(spec.doc, where, example)
            node = as_dict(found.node) if found else {}
            if "value" not in node:
                yield spec.finding(where, "named example has no `value`")
            if not non_empty_str(node.get("summary")):
                yield spec.finding(where, "named example has no `summary`")


def _envelope_problem(spec: SpecContext, response: dict[str, Any]) -> str | None:
    content = as_dict(response.get("content"))
    json_media = [m for m in content if is_json(m)]
    if not json_media:
        return "error response has no JSON content"
    for media in json_media:
        if as_dict(content[media]).get("schema") != {"$ref": ERROR_REF}:
            return f"error response schema ({media}) is not {ERROR_REF}"
    if not has_named_example(spec, response):
        return "error response has no named example"
    return None


@spec_rule
def error_envelope(spec: SpecContext) -> Iterator[Finding]:
    """Every 4xx/5xx response is JSON with schema ``$ref: '#/components/schemas/Error'``."""
    responses = list(unique_responses(spec, ERROR_STATUS.match))
    if responses and "Error" not in components(spec.doc, "schemas"):
        yield spec.finding("/components/schemas", "error responses exist but there is no Error")
    for found in responses:
        problem = _envelope_problem(spec, found.node)
        if problem:
            yield spec.finding(found.pointer, problem)


def _is_integer_header(spec: SpecContext, pointer: str, header: Any) -> bool:
    found = resolve(spec.doc, pointer, header)
    schema = resolve(spec.doc, "", as_dict(found.node if found else {}).get("schema"))
    return schema is not None and as_dict(schema.node).get("type") == "integer"


@spec_rule
def retry_after(spec: SpecContext) -> Iterator[Finding]:
    """Every 429 response declares an integer ``Retry-After`` header."""
    for found in unique_responses(spec, lambda status: status == "429"):
        headers = as_dict(found.node.get("headers"))
        name = next((h for h in headers if h.lower() == "retry-after"), None)
        if name is None:
            yield spec.finding(found.pointer, "429 response does not declare Retry-After")
        elif not _is_integer_header(spec, ptr(found.pointer, "headers", name), headers[name]):
            yield spec.finding(
                ptr(found.pointer, "headers", name),
                "Retry-After schema is not type: integer (seconds)",
            )
