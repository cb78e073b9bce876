"""Make *positive* generated bodies obey the specs' vendor rules (``x-after``, ``x-unique-by``,
``x-csv-rows``).

JSON Schema cannot express "end after start" or "ids unique within the batch", so schemathesis'
positive generation produces bodies the docs call invalid; the mock (rightly) refuses them and
``positive_data_acceptance`` would report a false failure. Rather than loosen that check, this
``map_case`` hook repairs positive bodies at exactly the places the mock's own validator flags.
Negative cases are left alone.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import schemathesis
from connexion.json_schema import resolve_refs

from mock_server.checks.validation import compiled, csv_problems
from vendor_keywords import INSTANCE_KEYWORDS, X_AFTER, X_CSV_ROWS, X_UNIQUE_BY

VENDOR_KEYWORDS = INSTANCE_KEYWORDS


_RESOLVED: dict[int, tuple[Any, dict[str, Any]]] = {}


def resolved_doc(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with every $ref inlined (connexion's resolver), computed once per document."""
    hit = _RESOLVED.get(id(raw))
    if hit is None:
        hit = _RESOLVED[id(raw)] = (raw, resolve_refs(raw))
    return hit[1]


def body_schema(
    resolved: dict[str, Any], path: str, method: str, media: str
) -> dict[str, Any] | None:
    operation = resolved.get("paths", {}).get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    return content.get(media, {}).get("schema")  # type: ignore[no-any-return]


def repair_uploads(schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Replace an uploaded CSV that breaks its ``x-csv-rows`` rule with the rule's example."""
    body = dict(body)
    for name, prop in schema.get("properties", {}).items():
        rule = prop.get(X_CSV_ROWS)
        value = body.get(name)
        if not rule or value is None:
            continue
        data = value if isinstance(value, bytes) else str(value).encode()
        if csv_problems(name, data, rule):
            body[name] = f"{rule.get('header', '')}\n{rule['example']}\n"
    return body


def repair(schema: dict[str, Any], body: Any) -> Any:
    """``body`` with every x-after / x-unique-by violation repaired (a copy; at most 5 passes)."""
    body = copy.deepcopy(body)
    for _ in range(5):
        errors = [e for e in compiled(schema).iter_errors(body) if e.validator in VENDOR_KEYWORDS]
        if not errors:
            return body
        for error in errors:
            parent: Any = body
            for part in list(error.absolute_path)[:-1]:
                parent = parent[part]
            REPAIRS[str(error.validator)](error, parent, error.absolute_path[-1])
    return body


def _repair_after(error: Any, parent: Any, leaf: Any) -> None:
    parent[leaf] = _later(parent.get(error.validator_value), parent[leaf])


def _repair_unique(error: Any, parent: Any, leaf: Any) -> None:
    index = next(p for p in reversed(error.absolute_path) if isinstance(p, int))
    parent[leaf] = f"{parent[leaf]}-{index}"


# How a positive case is made to obey each instance keyword of the vendor_keywords table
# (tests/test_vendor_keywords.py); uploads are repaired by repair_uploads.
REPAIRS = {X_AFTER: _repair_after, X_UNIQUE_BY: _repair_unique}


def _later(earlier: Any, current: Any) -> Any:
    try:
        start = datetime.fromisoformat(str(earlier).replace("Z", "+00:00"))
    except ValueError:
        return current
    later = start + timedelta(seconds=1)
    text = later.isoformat()
    return text.replace("+00:00", "Z") if str(earlier).endswith("Z") else text


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative or not isinstance(case.body, dict | list):
        return case
    resolved = resolved_doc(case.operation.schema.raw_schema)
    schema = body_schema(
        resolved, case.operation.path, case.method, case.media_type or "application/json"
    )
    if schema is not None:
        case.body = repair(schema, case.body)
        if isinstance(case.body, dict):
            case.body = repair_uploads(schema, case.body)
    return case
