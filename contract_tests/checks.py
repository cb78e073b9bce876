"""Our own checks, run with schemathesis' built-in ones (a registry, as schemathesis keeps).

Each is a plain ``(ctx, response, case)`` function registered with ``@schemathesis.check``;
``REGISTRY`` lists them so tests and reports can name them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import schemathesis
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from .vendor_rules import resolved_doc

REGISTRY: dict[str, Callable[..., Any]] = {}

# The envelope is judged by openapi-schema-validator directly, not by the mock's own validator,
# so a bug in the mock's validation cannot pass both sides.
_ENVELOPES: dict[int, tuple[Any, Any]] = {}


def _envelope_validator(schema: dict[str, Any]) -> Any:
    hit = _ENVELOPES.get(id(schema))
    if hit is None:
        hit = _ENVELOPES[id(schema)] = (
            schema,
            OAS30Validator(schema, format_checker=oas30_format_checker),
        )
    return hit[1]


def register(fn: Callable[..., Any]) -> Callable[..., Any]:
    REGISTRY[fn.__name__] = fn
    return schemathesis.check(fn)  # type: ignore[no-any-return]


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


@register
def error_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx/5xx body is the partner's error envelope (``components/schemas/Error``)."""
    if response.status_code < 400:
        return
    resolved = resolved_doc(case.operation.schema.raw_schema)
    envelope = resolved.get("components", {}).get("schemas", {}).get("Error")
    if envelope is None:
        raise AssertionError("the spec defines no components/schemas/Error envelope")
    body = _json(response)
    problems = [e.message for e in _envelope_validator(envelope).iter_errors(body)]
    if body is None or problems:
        raise AssertionError(
            f"{response.status_code} body is not the partner's error envelope: "
            f"{'; '.join(problems) or 'not JSON'}"
        )


@register
def retry_after_on_429(ctx: Any, response: Any, case: Any) -> None:
    """Every 429 carries a ``Retry-After`` of whole seconds."""
    if response.status_code != 429:
        return
    values = response.headers.get("retry-after") or response.headers.get("Retry-After")
    value = values[0] if isinstance(values, list) else values
    if value is None or not str(value).strip().isdigit():
        raise AssertionError(f"429 without a valid Retry-After header (got {value!r})")


def is_idempotent(case: Any) -> bool:
    definition = case.operation.definition.raw
    return case.method.upper() in {"GET", "HEAD", "PUT", "DELETE"} or bool(
        definition.get("x-idempotent")
    )


@register
def idempotent_replay(ctx: Any, response: Any, case: Any) -> None:
    """Replaying an idempotent request (a safe method, or ``x-idempotent: true``) gives the
    same status and body."""
    if not is_idempotent(case) or response.status_code == 429:
        return
    again = case.call()
    if again.status_code == 429:
        return
    first, second = _json(response), _json(again)
    for volatile in ("trace_id", "timestamp"):  # fields documented as per-response
        for body in (first, second):
            if isinstance(body, dict):
                body.pop(volatile, None)
    if (again.status_code, second) != (response.status_code, first):
        raise AssertionError(
            f"replay answered {again.status_code} {second!r}, "
            f"first call {response.status_code} {first!r}"
        )
