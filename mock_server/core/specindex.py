"""An index of a spec's operations: what the gate and the handler need to know of each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vendor_keywords import X_CSV_ROWS

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX", "default"
    examples: Mapping[str, Any]  # name -> value, in spec order
    headers: Mapping[str, Any]  # name -> example value (None when the spec gives none)
    media_type: str | None
    # top-level property -> JSON type, of the body object (or of an array body's items)
    property_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    security: tuple[Mapping[str, list[str]], ...]
    responses: Mapping[str, Response]
    required_scopes: tuple[str, ...]
    upload_rules: Mapping[str, Mapping[str, Any]]  # form field -> its x-csv-rows rule
    request_defaults: Mapping[str, Any]  # request body property -> its default (None if none)
    # its path and query parameters (path item's and its own), as the spec spells them: the
    # ones connexion's argument builder hands the handler (headers and cookies it does not)
    parameters: tuple[str, ...] = ()

    def success(self) -> Response:
        """The first documented 2xx response."""
        for status, response in self.responses.items():
            if status.startswith("2"):
                return response
        raise LookupError(f"{self.operation_id} documents no 2xx response")


def resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/...``) until a node that is not a reference.

    Hand-written: the specs use only internal references, and the index needs single nodes, not
    a whole resolved document, which is what the libraries at hand offer.
    """
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
        if seen > 32:
            raise ValueError(f"reference cycle at {node!r}")
    return node


def path_methods(doc: Mapping[str, Any]) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """Each path template as a regex, with the methods the spec documents on it."""
    out = []
    for path, item in doc.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"
        out.append((re.compile(pattern), tuple(m.upper() for m in METHODS if m in item)))
    return out


def _request_defaults(doc: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[str, Any]:
    body = resolve(doc, operation.get("requestBody", {}))
    for media in body.get("content", {}).values():
        schema = resolve(doc, media.get("schema", {}))
        return {
            name: resolve(doc, prop).get("default")
            for name, prop in schema.get("properties", {}).items()
        }
    return {}


def _uploads(doc: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[str, Any]:
    body = resolve(doc, operation.get("requestBody", {}))
    rules = {}
    for media in body.get("content", {}).values():
        schema = resolve(doc, media.get("schema", {}))
        for name, prop in schema.get("properties", {}).items():
            rule = resolve(doc, prop).get(X_CSV_ROWS)
            if rule:
                rules[name] = rule
    return rules


def _property_types(doc: Mapping[str, Any], schema: Any) -> dict[str, str]:
    """Top-level property types of a response body (an array's items for a bare array), so an
    action can mint ids of the type the spec documents."""
    schema = resolve(doc, schema or {})
    if schema.get("type") == "array":
        schema = resolve(doc, schema.get("items", {}))
    return {
        name: str(resolve(doc, prop).get("type", ""))
        for name, prop in schema.get("properties", {}).items()
    }


def _header_example(header: Mapping[str, Any]) -> Any:
    schema = header.get("schema", {})
    for value in (header.get("example"), schema.get("example"), schema.get("default")):
        if value is not None:
            return value
    if schema.get("type") in {"integer", "number"}:  # e.g. Retry-After with no example
        return max(1, int(schema.get("minimum", 1)))
    return None


def load_spec(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def index_operations(doc: Mapping[str, Any]) -> dict[str, Operation]:
    """Every operation of ``doc`` by operationId."""
    root_security = tuple(doc.get("security", ()))
    out: dict[str, Operation] = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            responses = {}
            for status, response in raw.get("responses", {}).items():
                response = resolve(doc, response)
                content = response.get("content", {})
                media = next(iter(content), None)
                examples = {}
                if media is not None:
                    for name, example in content[media].get("examples", {}).items():
                        examples[name] = resolve(doc, example).get("value")
                headers = {
                    name: _header_example(resolve(doc, header))
                    for name, header in response.get("headers", {}).items()
                }
                schema = content[media].get("schema") if media is not None else None
                responses[str(status)] = Response(
                    str(status), examples, headers, media, _property_types(doc, schema)
                )
            security = tuple(raw.get("security", root_security))
            scopes = tuple(raw.get("x-required-scopes", ()))
            out[raw["operationId"]] = Operation(
                raw["operationId"],
                method.upper(),
                path,
                security,
                responses,
                scopes,
                _uploads(doc, raw),
                _request_defaults(doc, raw),
                tuple(
                    dict.fromkeys(
                        str(param.get("name"))
                        for p in (*item.get("parameters", ()), *raw.get("parameters", ()))
                        if (param := resolve(doc, p)).get("in") in ("path", "query")
                    )
                ),
            )
    return out
