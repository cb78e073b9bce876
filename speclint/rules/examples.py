"""Rule 6: every example validates against its schema (bodies, parameters, headers, schemas)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.schema import instance_errors
from speclint.walk import Direction, Site, as_dict, headers, media_types, parameters, resolve
from speclint.walk import schemas as schema_sites


def _check(
    spec: SpecContext, schema_pointer: str, direction: Direction, where: str, example: Any
) -> Iterator[Finding]:
    """Validate one Example Object (or ``$ref`` to one) at ``where``."""
    found = resolve(spec.doc, where, example)
    if found is None:
        yield spec.finding(where, "example reference does not resolve")
        return
    if "value" not in as_dict(found.node):
        return  # reported by named-examples; externalValue is not checked
    via = f" (value of #{found.pointer})" if found.pointer != where else ""
    for at, message in instance_errors(spec.doc, schema_pointer, found.node["value"], direction):
        if via:
            yield spec.finding(
                where, f"example does not match schema{via} at {at or '/'}: {message}"
            )
        else:
            yield spec.finding(
                ptr(where, "value") + at, f"example does not match schema: {message}"
            )


def _check_bare(
    spec: SpecContext, schema_pointer: str, direction: Direction, where: str, value: Any
) -> Iterator[Finding]:
    """Validate a bare ``example`` value at ``where``."""
    for at, message in instance_errors(spec.doc, schema_pointer, value, direction):
        yield spec.finding(where + at, f"example does not match schema: {message}")


def _site_examples(spec: SpecContext, site: Site) -> Iterator[Finding]:
    """Examples of a media type, parameter or header object against its ``schema``."""
    examples = as_dict(site.node.get("examples"))
    if not examples and "example" not in site.node:
        return
    if "schema" not in site.node:
        yield spec.finding(site.pointer, "has examples but no schema to check them against")
        return
    schema = ptr(site.pointer, "schema")
    if "example" in site.node:
        yield from _check_bare(
            spec, schema, site.direction, ptr(site.pointer, "example"), site.node["example"]
        )
    for name, example in examples.items():
        yield from _check(
            spec, schema, site.direction, ptr(site.pointer, "examples", name), example
        )


@spec_rule
def examples_valid(spec: SpecContext) -> Iterator[Finding]:
    """Request/response/parameter/header examples validate against their schema."""
    for sites in (media_types(spec.doc), parameters(spec.doc), headers(spec.doc)):
        for site in sites:
            yield from _site_examples(spec, site)


@spec_rule
def schema_examples_valid(spec: SpecContext) -> Iterator[Finding]:
    """A schema's own ``example`` validates against that schema."""
    for site in schema_sites(spec.doc):
        if "example" in site.node:
            yield from _check_bare(
                spec, site.pointer, "any", ptr(site.pointer, "example"), site.node["example"]
            )
