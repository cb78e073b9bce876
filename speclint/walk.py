"""Read-only walkers over an OpenAPI 3.0 document: operations, $refs and definition sites."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from speclint.model import ptr

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REF_URI = "urn:speclint:spec"
ERROR_STATUS = re.compile(r"^[45](\d\d|XX)$")

Direction = Literal["request", "response", "any"]


def as_dict(value: Any) -> dict[str, Any]:
    """Return ``value`` if it is a mapping, else an empty one (rules must survive bad specs)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """Return ``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def registry_for(doc: dict[str, Any]) -> Registry[Any]:
    """A ``referencing`` registry holding the whole document at :data:`REF_URI`."""
    # Opaque: the document is OpenAPI, not JSON Schema, so no ids or anchors are looked for.
    registry: Registry[Any] = Registry().with_resource(REF_URI, Resource.opaque(doc))
    return registry


def lookup(doc: dict[str, Any], ref: str) -> Any:
    """Resolve an internal ``#/...`` reference; ``None`` if external or dangling."""
    if not ref.startswith("#"):
        return None
    try:
        return registry_for(doc).resolver(REF_URI).lookup(ref).contents
    except Unresolvable:
        return None


@dataclass(frozen=True)
class Located:
    """A node together with its JSON pointer in the document."""

    pointer: str
    node: Any


def resolve(doc: dict[str, Any], pointer: str, node: Any) -> Located | None:
    """Follow a chain of ``$ref`` objects; ``None`` if a reference is dangling or cyclic."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or ref in seen:
            return None
        seen.add(ref)
        node = lookup(doc, ref)
        if node is None:
            return None
        pointer = ref[1:]
    return Located(pointer, node)


def is_ref(node: Any) -> bool:
    """True for a Reference Object."""
    return isinstance(node, dict) and "$ref" in node


def iter_refs(node: Any, pointer: str = "") -> Iterator[Located]:
    """Yield every ``$ref`` string in ``node`` (``Located.node`` is the ref string)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield Located(pointer, ref)
        for key, value in node.items():
            yield from iter_refs(value, ptr(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, ptr(pointer, index))


@dataclass(frozen=True)
class Operation:
    """One operation of the ``paths`` object."""

    pointer: str
    path: str
    method: str
    node: dict[str, Any]
    path_item: dict[str, Any]


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    """Yield the operations under ``paths`` in document order."""
    for path, item in as_dict(doc.get("paths")).items():
        item = as_dict(item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield Operation(ptr("", "paths", path, method), path, method, item[method], item)


def find_operation(doc: dict[str, Any], operation_id: str) -> Operation | None:
    """The operation with this ``operationId``, if any."""
    return next((op for op in operations(doc) if op.node.get("operationId") == operation_id), None)


@dataclass(frozen=True)
class Site:
    """A definition site (not a ``$ref`` use) of a request body, response, parameter, etc."""

    pointer: str
    node: dict[str, Any]
    direction: Direction


def _defined(base: str, mapping: Any, direction: Direction) -> Iterator[Site]:
    for name, node in as_dict(mapping).items():
        if isinstance(node, dict) and not is_ref(node):
            yield Site(ptr(base, name), node, direction)


def components(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """``components.<kind>`` as a mapping."""
    return as_dict(as_dict(doc.get("components")).get(kind))


def request_bodies(doc: dict[str, Any]) -> Iterator[Site]:
    """Inline request bodies of operations, then ``components/requestBodies``."""
    for op in operations(doc):
        body = op.node.get("requestBody")
        if isinstance(body, dict) and not is_ref(body):
            yield Site(ptr(op.pointer, "requestBody"), body, "request")
    yield from _defined("/components/requestBodies", components(doc, "requestBodies"), "request")


def responses(doc: dict[str, Any]) -> Iterator[Site]:
    """Inline responses of operations, then ``components/responses``."""
    for op in operations(doc):
        yield from _defined(ptr(op.pointer, "responses"), op.node.get("responses"), "response")
    yield from _defined("/components/responses", components(doc, "responses"), "response")


def parameters(doc: dict[str, Any]) -> Iterator[Site]:
    """Inline parameters of path items and operations, then ``components/parameters``."""
    for path, item in as_dict(doc.get("paths")).items():
        base = ptr("", "paths", path)
        yield from _defined(
            ptr(base, "parameters"),
            dict(enumerate(as_list(as_dict(item).get("parameters")))),
            "request",
        )
    for op in operations(doc):
        params = dict(enumerate(as_list(op.node.get("parameters"))))
        yield from _defined(ptr(op.pointer, "parameters"), params, "request")
    yield from _defined("/components/parameters", components(doc, "parameters"), "request")


def headers(doc: dict[str, Any]) -> Iterator[Site]:
    """Inline headers of responses, then ``components/headers``."""
    for response in responses(doc):
        yield from _defined(
            ptr(response.pointer, "headers"), response.node.get("headers"), "response"
        )
    yield from _defined("/components/headers", components(doc, "headers"), "response")


def contents(owners: Iterable[Site]) -> Iterator[Site]:
    """Media type objects under ``content`` of the given owner sites."""
    for owner in owners:
        for media, node in as_dict(owner.node.get("content")).items():
            if isinstance(node, dict):
                yield Site(ptr(owner.pointer, "content", media), node, owner.direction)


def body_media_types(doc: dict[str, Any]) -> Iterator[Site]:
    """Media type objects of request bodies and responses."""
    yield from contents(request_bodies(doc))
    yield from contents(responses(doc))


def media_types(doc: dict[str, Any]) -> Iterator[Site]:
    """Media type objects of request bodies, responses, parameters and headers."""
    yield from body_media_types(doc)
    yield from contents(parameters(doc))
    yield from contents(headers(doc))


SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SUBSCHEMA_SINGLE = ("items", "not", "additionalProperties")


def _schema_tree(pointer: str, node: Any, direction: Direction) -> Iterator[Site]:
    if not isinstance(node, dict) or is_ref(node):
        return
    yield Site(pointer, node, direction)
    for key in SUBSCHEMA_SINGLE:
        yield from _schema_tree(ptr(pointer, key), node.get(key), direction)
    for key in SUBSCHEMA_LISTS:
        for index, sub in enumerate(as_list(node.get(key))):
            yield from _schema_tree(ptr(pointer, key, index), sub, direction)
    for name, sub in as_dict(node.get("properties")).items():
        yield from _schema_tree(ptr(pointer, "properties", name), sub, direction)


def schemas(doc: dict[str, Any]) -> Iterator[Site]:
    """Every inline schema object (recursively), skipping ``$ref`` uses."""
    for owners in (media_types(doc), parameters(doc), headers(doc)):
        for owner in owners:
            yield from _schema_tree(ptr(owner.pointer, "schema"), owner.node.get("schema"), "any")
    for name, node in components(doc, "schemas").items():
        yield from _schema_tree(ptr("/components/schemas", name), node, "any")


def is_json(media_type: str) -> bool:
    """``application/json`` or any ``+json`` structured syntax suffix."""
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def payload_schema(doc: dict[str, Any], operation_id: str, kind: str, status: object = None) -> str:
    """Pointer to the JSON schema of an operation's request body or ``status`` response.

    Raises ``LookupError`` saying which piece is missing.
    """
    op = find_operation(doc, operation_id)
    if op is None:
        raise LookupError(f"no operation with operationId {operation_id!r}")
    if kind == "request":
        base, node = ptr(op.pointer, "requestBody"), op.node.get("requestBody")
    elif kind == "response":
        base = ptr(op.pointer, "responses", str(status))
        node = as_dict(op.node.get("responses")).get(str(status))
    else:
        raise LookupError(f"kind must be request or response, not {kind!r}")
    found = resolve(doc, base, node)
    if found is None or not isinstance(found.node, dict):
        raise LookupError(f"{base} does not exist or does not resolve")
    content = as_dict(found.node.get("content"))
    json_media = [m for m in content if is_json(m)]
    if not json_media or "schema" not in as_dict(content[json_media[0]]):
        raise LookupError(f"{found.pointer} has no JSON content with a schema")
    return ptr(found.pointer, "content", json_media[0], "schema")
