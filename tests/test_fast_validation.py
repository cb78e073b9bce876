"""The compiled fast path judges exactly as the collecting validator does.

For every request body of every spec, schemathesis generates bodies (positive and negative,
and each again with one value replaced by arbitrary JSON); the Rust validator's verdict must
equal "no problems" from the Python one, every time. On a refused body, the collecting walk
that skips what the fast path found valid words the same problems as the whole walk.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from connexion.json_schema import resolve_refs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from mock_server.checks import validation
from mock_server.checks.validation import compiled, fast, schema_problems

SPECS = Path(__file__).resolve().parent.parent / "specs"


def request_schemas() -> list[tuple[str, dict[str, Any], Any]]:
    """(name, resolved body schema, schemathesis operation) for every request body."""
    out = []
    for spec in sorted(SPECS.glob("*.yaml")):
        raw = yaml.safe_load(spec.read_text())
        if "openapi" not in raw:
            continue  # sandbox-credentials.yaml
        doc = resolve_refs(copy.deepcopy(raw))
        operations = schemathesis.openapi.from_dict(raw)
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict) and "requestBody" in op:
                    for media, content in op["requestBody"]["content"].items():
                        operation = operations[path][method.upper()]
                        out.append((f"{op['operationId']}:{media}", content["schema"], operation))
    return out


SCHEMAS = request_schemas()
# Schemathesis cannot build a multipart body with a binary part outside a request (it raises
# "Unsupported type: 'Binary'"), so generated bodies cover the JSON ones; the multipart schema
# is covered by test_tricky_values_agree_everywhere below, like every other.
GENERATED = [s for s in SCHEMAS if not s[0].endswith("multipart/form-data")]
JSON_TYPES = (dict, list, str, int, float, bool, type(None))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=5,
)


def _replace_somewhere(instance: Any, data: st.DataObject) -> Any:
    """``instance`` with one nested value replaced by arbitrary JSON."""
    if isinstance(instance, dict) and instance and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(instance)))
        return {**instance, key: _replace_somewhere(instance[key], data)}
    if isinstance(instance, list) and instance and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(instance) - 1))
        return [
            *instance[:index],
            _replace_somewhere(instance[index], data),
            *instance[index + 1 :],
        ]
    return data.draw(JSON)


def verdicts_agree(schema: dict[str, Any], instance: Any) -> None:
    quick = fast(schema)
    assert quick is not None
    slow = not list(compiled(schema).iter_errors(instance))
    assert quick.is_valid(instance) == slow, instance
    if not slow:
        problems_agree(schema, instance)


def whole_walk(schema: dict[str, Any], instance: Any) -> list[Any]:
    """The problems as the collecting validator words them walking everything."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "_prunable", lambda schema: False)
        return schema_problems(schema, instance, "body")


def problems_agree(schema: dict[str, Any], instance: Any) -> None:
    assert schema_problems(schema, instance, "body") == whole_walk(schema, instance), instance


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(
    ("name", "schema", "operation"), GENERATED, ids=[n for n, _, _ in GENERATED]
)
def test_fast_and_collecting_validators_agree(
    name: str, schema: dict[str, Any], operation: Any, mode: GenerationMode
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any, data: st.DataObject) -> None:
        body = case.body
        if isinstance(body, dict):  # uploaded files reach validation as "" (see validation.py)
            body = {k: v if isinstance(v, JSON_TYPES) else "" for k, v in body.items()}
        if isinstance(body, JSON_TYPES):
            verdicts_agree(schema, body)
            verdicts_agree(schema, _replace_somewhere(body, data))

    check()


@pytest.mark.parametrize(
    "value",
    [None, 2.0, "", "a@b", "https://exa mple.com", "2023-02-30T10:00:00Z", [], {}, "x" * 300],
)
def test_tricky_values_agree_everywhere(value: Any) -> None:
    """Each tricky value, put in place of every top-level property in turn."""
    for _, schema, _ in SCHEMAS:
        for key in schema.get("properties", {}):
            verdicts_agree(schema, {key: value})


def _call(
    call_id: Any, start: Any = "2024-05-01T09:00:00Z", end: Any = "2024-05-01T09:04:12Z"
) -> Any:
    return {
        "call": {
            "id": call_id,
            "recording_url": "https://recordings.example.com/a.mp3",
            "start_time": start,
            "end_time": end,
            "contact_number": "+919812345678",
        },
        "agent": {"id": "agent-7"},
        "customer": {"id": "cust-1"},
    }


@pytest.mark.parametrize(
    "body",
    [
        {"data": [_call("a"), _call("b")]},
        {"data": [_call("a"), _call("a")]},  # x-unique-by
        {"data": [_call("a"), _call("b", end="2024-05-01T08:00:00Z")]},  # x-after
        {"data": [_call("a", end="2024-05-01T09:00:00Z")]},  # equal is not after
        {"data": [_call("a"), _call("b"), _call("a", end="2024-05-01T08:00:00Z")]},
        {"data": [_call(1), _call("1")]},  # differ by type: unique
        {"data": [_call("a", start="not a time")]},
        {"data": []},
    ],
)
def test_vendor_rules_in_one_pass_agree(body: Any) -> None:
    """The batch schema's x-after / x-unique-by, checked in one pass after the Rust check."""
    (schema,) = [s for n, s, _ in SCHEMAS if n.startswith("ingestBatchCall:")]
    assert type(fast(schema)).__name__ == "_WithVendorPass"  # the one-pass path is the one tested
    verdicts_agree(schema, body)


def test_the_vendor_pass_skips_definitions_and_refuses_references() -> None:
    """Connexion validates a body schema with the spec's components beside it: vendor keywords
    there apply only through a reference, so they do not stop the one-pass path; a schema that
    does use a reference keeps the validator's own callbacks."""
    (schema,) = [s for n, s, _ in SCHEMAS if n.startswith("ingestBatchCall:")]
    components = {"schemas": {"Call": {"x-after": {"end_time": "start_time"}}}}
    with_components = {**schema, "components": components}
    assert type(fast(with_components)).__name__ == "_WithVendorPass"
    verdicts_agree(with_components, {"data": [_call("a"), _call("a")]})
    with_ref = {**with_components, "properties": {"data": {"$ref": "#/components/schemas/Call"}}}
    assert type(fast(with_ref)).__name__ != "_WithVendorPass"


def _batch_schema() -> dict[str, Any]:
    (schema,) = [s for n, s, _ in SCHEMAS if n.startswith("ingestBatchCall:")]
    return schema


def test_a_refused_batch_is_walked_only_where_the_fast_path_found_problems() -> None:
    """A 50-call batch with one bad call: the collecting walk enters that call only (the other
    49 are objects the fast path found nothing in), and words what the whole walk words."""
    schema = _batch_schema()
    assert validation._prunable(schema)
    body = {"data": [_call(f"c{i}") for i in range(50)]}
    body["data"][25] = _call("", end="2024-05-01T08:00:00Z")
    hot = validation._hot(fast(schema), body)
    assert hot is not None
    assert id(body["data"][25]) in hot and id(body["data"][25]["call"]) in hot
    assert not any(id(item) in hot for i, item in enumerate(body["data"]) if i != 25)
    problems = schema_problems(schema, body, "body")
    assert {(p.path, p.keyword) for p in problems} == {
        (("data", 25, "call", "id"), "empty"),
        (("data", 25, "call", "end_time"), "x-after"),
    }
    assert problems == whole_walk(schema, body)


@pytest.mark.parametrize(
    "body",
    [
        {"data": [_call("a"), _call("a"), _call("b", start="nope")]},  # x-unique-by + format
        {"data": [_call("a"), {**_call("b"), "metadata": {"k": [1]}}]},  # anyOf over scalars
        {"data": [_call("a"), {**_call("b"), "extra": 1}], "more": True},  # additional members
        {"data": [_call("a"), {"call": {}}]},  # required members
        {"data": "not a list"},
    ],
)
def test_the_pruned_walk_words_every_problem_the_whole_walk_does(body: Any) -> None:
    problems = schema_problems(_batch_schema(), body, "body")
    assert problems
    assert problems == whole_walk(_batch_schema(), body)


def test_a_combinator_whose_branches_descend_is_walked_whole() -> None:
    """The fast path reports a failed anyOf branch at the anyOf, not at the member inside it,
    so a schema with such a combinator is never pruned; one over scalars is."""
    over_objects = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "object", "properties": {"b": {"type": "string"}}}]}
        },
    }
    over_scalars = {
        "type": "object",
        "properties": {"a": {"anyOf": [{"type": "string"}, {"type": "number"}]}},
    }
    assert not validation._prunable(over_objects)
    assert validation._prunable(over_scalars)
    assert not validation._prunable({"properties": {"a": {"$ref": "#/components/schemas/A"}}})
    problems = schema_problems(over_objects, {"a": {"b": 1}}, "body")
    assert [p.path for p in problems] == [("a",)]


def test_a_walk_pruned_too_far_falls_back_to_the_whole_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should the fast path point nowhere near the problems, the whole walk finds them."""
    schema = _batch_schema()
    body = {"data": [_call("a"), _call("")]}
    expected = whole_walk(schema, body)
    assert expected
    monkeypatch.setattr(validation, "_hot", lambda quick, instance: frozenset({id(instance)}))
    assert schema_problems(schema, body, "body") == expected
