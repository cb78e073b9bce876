"""Validate instances (examples, doc fixtures) against schemas inside a spec.

Validators are openapi-schema-validator's OAS 3.0 classes (write-side for requests, read-side
for responses) with ``oas30_format_checker``, which carries jsonschema's full format set
(``uri`` via rfc3987, ``email``, ``date-time`` via rfc3339-validator, ``uuid``) plus the OAS
formats. They are extended with the house keywords of the ``vendor_keywords`` table:

- ``x-after: {later: earlier}`` on an object: date-time ``later`` must be after ``earlier``.
- ``x-unique-by: <JSON pointer>`` on an array: items must differ at that pointer.

Multipart bodies need no special case: ``format: binary`` is ``type: string``, so an example
object whose file fields are strings validates as is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30Validator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing.exceptions import Unresolvable

from speclint.model import ptr, unescape
from speclint.walk import REF_URI, Direction, registry_for
from vendor_keywords import X_AFTER, X_UNIQUE_BY


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _later(value: Any, earlier: Any) -> bool | None:
    """Whether ``value`` is after ``earlier``; ``None`` when they cannot be compared."""
    left, right = _parse_datetime(value), _parse_datetime(earlier)
    if left is None or right is None:
        return None  # malformed date-times are the format checker's business
    try:
        return left > right
    except TypeError:  # naive vs aware
        return None


def x_after_errors(rule: Any, instance: Any) -> Iterator[ValidationError]:
    """``x-after: {later: earlier}`` on an object: errors where ``later`` is not after it."""
    # Hand-rolled: JSON Schema has no keyword comparing two properties of one object.
    if not isinstance(rule, dict) or not isinstance(instance, dict):
        return
    for later, earlier in rule.items():
        if _later(instance.get(later), instance.get(earlier)) is False:
            yield ValidationError(
                f"{later!r} ({instance[later]}) is not later than {earlier!r} "
                f"({instance[earlier]}) (x-after)",
                path=[later],
            )


def pointer_get(node: Any, pointer: str) -> tuple[bool, Any]:
    """Look ``pointer`` up in ``node``; ``(False, None)`` when absent."""
    # Hand-rolled: a missing target is a normal case here, not an error to catch.
    if pointer == "":
        return True, node
    for token in (unescape(t) for t in pointer.split("/")[1:]):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def x_unique_by_errors(pointer: Any, instance: Any) -> Iterator[ValidationError]:
    """Errors for array items that share the value at ``pointer``."""
    if not isinstance(pointer, str) or not isinstance(instance, list):
        return
    first_seen: dict[str, int] = {}
    for index, item in enumerate(instance):
        found, value = pointer_get(item, pointer)
        if not found or value is None:  # as the mock does: absent or null never collides
            continue
        key = json.dumps(value, sort_keys=True, default=str)
        if key in first_seen:
            yield ValidationError(
                f"items {first_seen[key]} and {index} share {pointer} = {value!r} (x-unique-by)",
                path=[index],
            )
        else:
            first_seen[key] = index


def _after(validator: Any, rule: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    yield from x_after_errors(rule, instance)


def _unique_by(
    validator: Any, pointer: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    yield from x_unique_by_errors(pointer, instance)


# The instance keywords of the vendor_keywords table, by name (tests/test_vendor_keywords.py).
INSTANCE_CHECKS = {X_AFTER: _after, X_UNIQUE_BY: _unique_by}


def _extend(base: Any) -> Any:
    return extend(base, validators=INSTANCE_CHECKS)


VALIDATORS: dict[Direction, Any] = {
    "request": _extend(OAS30WriteValidator),
    "response": _extend(OAS30ReadValidator),
    "any": _extend(OAS30Validator),
}


def validator_for(doc: dict[str, Any], schema_pointer: str, direction: Direction) -> Validator:
    """A validator for the schema at ``schema_pointer``, resolving ``$ref``s within ``doc``."""
    cls = VALIDATORS[direction]
    schema = {"$ref": f"{REF_URI}#{schema_pointer}"}
    validator: Validator = cls(
        schema, registry=registry_for(doc), format_checker=oas30_format_checker
    )
    return validator


def describe(error: ValidationError) -> str:
    """One line for an error, with the branch messages of a failed ``oneOf``/``anyOf``."""
    message = str(error.message)
    if error.context:
        hints = sorted({sub.message for sub in error.context})
        message += " (" + "; ".join(hints[:3]) + (", ..." if len(hints) > 3 else "") + ")"
    return shorten(message)


def shorten(text: str, limit: int = 300) -> str:
    """Cut long messages (jsonschema quotes whole instances) to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def instance_errors(
    doc: dict[str, Any], schema_pointer: str, instance: Any, direction: Direction = "any"
) -> list[tuple[str, str]]:
    """``(instance pointer, message)`` for each way ``instance`` violates the schema."""
    validator = validator_for(doc, schema_pointer, direction)
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.path])
    except Unresolvable as exc:
        return [("", f"the schema has a $ref that does not resolve ({type(exc).__name__})")]
    return [(ptr("", *error.absolute_path), describe(error)) for error in errors]
