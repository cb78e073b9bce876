"""One fixture pair per rule: a base and a revision differing only in that rule's change.

Each case builds both documents from ``base()`` and applies one edit to the revision (or to the
base, for "removed" cases). ``BREAKING`` pairs must yield their id at level ``error``;
``SAFE`` pairs (at least as many) must yield their id and no ``error`` at all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
Edit = Callable[[Doc], None]


def base() -> Doc:
    doc = _doc()
    _split(doc)
    return doc


def _doc() -> Doc:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "security": [{"key": []}],
        "paths": {
            "/items/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "operationId": "getItem",
                    "tags": ["items"],
                    "security": [{"oauth": ["read"]}],
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "enum": [10, 50, 100],
                            },
                        },
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 50}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {
                                "X-Rate": {"required": True, "schema": {"type": "integer"}},
                                "X-Opt": {"schema": {"type": "string"}},
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}
                                }
                            },
                        },
                        "404": {"description": "missing"},
                    },
                },
                "post": {
                    "operationId": "putItem",
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        }
                    },
                    "responses": {"201": {"description": "made"}},
                },
            },
            "/other": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://x/token",
                            "scopes": {"read": "r", "write": "w"},
                        }
                    },
                },
            },
            "schemas": {
                "Item": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 40,
                            "pattern": "^[a-z]+$",
                        },
                        "count": {
                            "type": "integer",
                            "format": "int32",
                            "minimum": 0,
                            "maximum": 10,
                        },
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": "string", "nullable": True},
                        "tags": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                            "maxItems": 5,
                        },
                        "pet": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Cat"},
                                {"$ref": "#/components/schemas/Dog"},
                            ]
                        },
                        "meta": {"type": "object", "additionalProperties": True},
                        "parent": {"$ref": "#/components/schemas/Item"},
                    },
                },
                "Cat": {"type": "object", "properties": {"meow": {"type": "string"}}},
                "Dog": {"type": "object", "properties": {"bark": {"type": "string"}}},
                "Bird": {"type": "object", "properties": {"tweet": {"type": "string"}}},
            },
        },
    }


def _item(doc: Doc) -> Doc:
    item: Doc = doc["components"]["schemas"]["Item"]
    return item


def _prop(name: str) -> Callable[[Doc], Doc]:
    return lambda doc: _item(doc)["properties"][name]


def _get(doc: Doc) -> Doc:
    op: Doc = doc["paths"]["/items/{id}"]["get"]
    return op


def _param(doc: Doc, name: str) -> Doc:
    return next(p for p in _get(doc)["parameters"] if p["name"] == name)


def _split(doc: Doc) -> None:
    """Give the response its own copy of Item (``Out``), so edits to Item hit requests only."""
    doc["components"]["schemas"]["Out"] = copy.deepcopy(_item(doc))
    doc["components"]["schemas"]["Out"]["properties"]["parent"] = {
        "$ref": "#/components/schemas/Out"
    }
    _get(doc)["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Out"
    }


def _out(doc: Doc) -> Doc:
    out: Doc = doc["components"]["schemas"]["Out"]
    return out


def _set(getter: Callable[[Doc], Doc], **values: Any) -> Edit:
    def edit(doc: Doc) -> None:
        target = getter(doc)
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value

    return edit


def _req(name: str) -> Callable[[Doc], Doc]:
    return lambda doc: _item(doc)["properties"][name]


def _resp(name: str) -> Callable[[Doc], Doc]:
    return lambda doc: _out(doc)["properties"][name]


def _do(fn: Callable[[Doc], Any]) -> Edit:
    def edit(doc: Doc) -> None:
        fn(doc)

    return edit


# (expected id, edit applied to the revision)
BREAKING: list[tuple[str, Edit]] = [
    ("api-path-removed-without-deprecation", _do(lambda d: d["paths"].pop("/other"))),
    ("api-removed-without-deprecation", _do(lambda d: d["paths"]["/items/{id}"].pop("post"))),
    ("api-security-removed", _set(_get, security=[{"key": []}])),
    ("api-security-scope-added", _set(_get, security=[{"oauth": ["read", "write"]}])),
    ("api-global-security-removed", _do(lambda d: d.__setitem__("security", []))),
    (
        "new-required-request-parameter",
        _do(
            lambda d: _get(d)["parameters"].append(
                {"name": "x", "in": "query", "required": True, "schema": {"type": "string"}}
            )
        ),
    ),
    (
        "new-request-path-parameter",
        _do(
            lambda d: d["paths"]["/items/{id}"]["get"]["parameters"].append(
                {"name": "v", "in": "path", "required": True, "schema": {"type": "string"}}
            )
        ),
    ),
    (
        "request-parameter-became-required",
        _do(lambda d: _param(d, "q").__setitem__("required", True)),
    ),
    (
        "request-parameter-type-changed",
        _do(lambda d: _param(d, "q")["schema"].__setitem__("type", "integer")),
    ),
    (
        "request-parameter-enum-value-removed",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("enum", [10, 50])),
    ),
    (
        "request-parameter-became-enum",
        _do(lambda d: _param(d, "q")["schema"].__setitem__("enum", ["x"])),
    ),
    (
        "request-parameter-max-decreased",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("maximum", 50)),
    ),
    (
        "request-parameter-min-increased",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("minimum", 5)),
    ),
    (
        "request-parameter-max-length-decreased",
        _do(lambda d: _param(d, "q")["schema"].__setitem__("maxLength", 5)),
    ),
    (
        "request-parameter-pattern-added",
        _do(lambda d: _param(d, "q")["schema"].__setitem__("pattern", "^a")),
    ),
    (
        "added-required-request-body",
        _do(
            lambda d: d["paths"]["/other"]["get"].__setitem__(
                "requestBody",
                {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            )
        ),
    ),
    (
        "request-body-became-required",
        _do(
            lambda d: d["paths"]["/items/{id}"]["post"]["requestBody"].__setitem__("required", True)
        ),
    ),
    ("request-body-removed", _do(lambda d: d["paths"]["/items/{id}"]["post"].pop("requestBody"))),
    (
        "request-body-media-type-removed",
        _do(
            lambda d: d["paths"]["/items/{id}"]["post"]["requestBody"]["content"].__setitem__(
                "text/plain",
                d["paths"]["/items/{id}"]["post"]["requestBody"]["content"].pop("application/json"),
            )
        ),
    ),
    (
        "new-required-request-property",
        _do(
            lambda d: (
                _item(d)["properties"].__setitem__("z", {"type": "string"}),
                _item(d)["required"].append("z"),
            )
        ),
    ),
    ("request-property-became-required", _do(lambda d: _item(d)["required"].append("kind"))),
    ("request-property-type-changed", _set(_req("name"), type="integer")),
    ("request-property-enum-value-removed", _set(_req("kind"), enum=["a"])),
    ("request-property-became-enum", _set(_req("note"), enum=["x"])),
    ("request-property-max-decreased", _set(_req("count"), maximum=5)),
    ("request-property-min-increased", _set(_req("count"), minimum=1)),
    ("request-property-max-length-decreased", _set(_req("name"), maxLength=10)),
    ("request-property-min-length-increased", _set(_req("name"), minLength=3)),
    ("request-property-max-items-decreased", _set(_req("tags"), maxItems=2)),
    ("request-property-min-items-increased", _set(_req("tags"), minItems=2)),
    ("request-property-pattern-added", _set(_req("kind"), pattern="^a$")),
    ("request-property-became-not-nullable", _set(_req("note"), nullable=None)),
    (
        "request-property-one-of-removed",
        _set(_req("pet"), oneOf=[{"$ref": "#/components/schemas/Cat"}]),
    ),
    (
        "request-property-all-of-added",
        _set(_req("meta"), allOf=[{"$ref": "#/components/schemas/Cat"}]),
    ),
    ("request-property-exclusive-max-set", _set(_req("count"), exclusiveMaximum=True)),
    ("request-property-type-changed", _set(_req("count"), type="number", format="float")),
    (
        "response-success-status-removed",
        _do(lambda d: _get(d)["responses"].__setitem__("204", _get(d)["responses"].pop("200"))),
    ),
    (
        "response-media-type-removed",
        _do(
            lambda d: _get(d)["responses"]["200"]["content"].__setitem__(
                "text/csv", _get(d)["responses"]["200"]["content"].pop("application/json")
            )
        ),
    ),
    (
        "required-response-header-removed",
        _do(lambda d: _get(d)["responses"]["200"]["headers"].pop("X-Rate")),
    ),
    (
        "response-header-became-optional",
        _do(lambda d: _get(d)["responses"]["200"]["headers"]["X-Rate"].pop("required")),
    ),
    (
        "response-header-type-changed",
        _do(
            lambda d: _get(d)["responses"]["200"]["headers"]["X-Rate"]["schema"].__setitem__(
                "type", "boolean"
            )
        ),
    ),
    ("response-required-property-removed", _do(lambda d: _out(d)["properties"].pop("name"))),
    ("response-property-became-optional", _do(lambda d: _out(d).__setitem__("required", []))),
    ("response-property-type-changed", _set(_resp("name"), type="boolean")),
    ("response-property-type-generalized", _set(_resp("count"), type="number", format=None)),
    ("response-property-became-nullable", _set(_resp("kind"), nullable=True)),
    ("response-property-max-increased", _set(_resp("count"), maximum=20)),
    ("response-property-min-decreased", _set(_resp("count"), minimum=-1)),
    ("response-property-max-length-increased", _set(_resp("name"), maxLength=80)),
    ("response-property-max-length-unset", _set(_resp("name"), maxLength=None)),
    ("response-property-min-length-decreased", _set(_resp("name"), minLength=0)),
    ("response-property-max-items-increased", _set(_resp("tags"), maxItems=9)),
    ("response-property-min-items-decreased", _set(_resp("tags"), minItems=0)),
    ("response-property-pattern-removed", _set(_resp("name"), pattern=None)),
    (
        "response-property-one-of-added",
        _set(
            _resp("pet"),
            oneOf=[
                {"$ref": "#/components/schemas/Cat"},
                {"$ref": "#/components/schemas/Dog"},
                {"$ref": "#/components/schemas/Bird"},
            ],
        ),
    ),
]

SAFE: list[tuple[str, Edit]] = [
    (
        "endpoint-added",
        _do(
            lambda d: d["paths"].__setitem__(
                "/new", {"get": {"responses": {"200": {"description": "ok"}}}}
            )
        ),
    ),
    ("endpoint-deprecated", _set(_get, deprecated=True)),
    ("api-operation-id-removed", _set(_get, operationId="fetchItem")),
    ("api-tag-added", _set(_get, tags=["items", "more"])),
    ("api-security-added", _set(_get, security=[{"oauth": ["read"]}, {"key": []}])),
    ("api-security-scope-removed", _set(_get, security=[{"oauth": []}])),
    ("api-global-security-added", _do(lambda d: d["security"].append({"oauth": []}))),
    ("api-schema-removed", _do(lambda d: d["components"]["schemas"].pop("Bird"))),
    (
        "new-optional-request-parameter",
        _do(
            lambda d: _get(d)["parameters"].append(
                {"name": "x", "in": "query", "schema": {"type": "string"}}
            )
        ),
    ),
    ("request-parameter-removed", _do(lambda d: _get(d)["parameters"].pop(1))),
    ("request-parameter-deprecated", _do(lambda d: _param(d, "q").__setitem__("deprecated", True))),
    (
        "request-parameter-type-generalized",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("type", "number")),
    ),
    (
        "request-parameter-enum-value-added",
        _do(lambda d: _param(d, "limit")["schema"]["enum"].append(200)),
    ),
    (
        "request-parameter-max-increased",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("maximum", 500)),
    ),
    (
        "request-parameter-min-decreased",
        _do(lambda d: _param(d, "limit")["schema"].__setitem__("minimum", 0)),
    ),
    (
        "request-parameter-max-length-increased",
        _do(lambda d: _param(d, "q")["schema"].__setitem__("maxLength", 500)),
    ),
    (
        "added-optional-request-body",
        _do(
            lambda d: d["paths"]["/other"]["get"].__setitem__(
                "requestBody", {"content": {"application/json": {"schema": {"type": "object"}}}}
            )
        ),
    ),
    (
        "request-body-media-type-added",
        _do(
            lambda d: d["paths"]["/items/{id}"]["post"]["requestBody"]["content"].__setitem__(
                "text/plain", {"schema": {"type": "string"}}
            )
        ),
    ),
    (
        "new-optional-request-property",
        _set(
            _item,
            properties={
                **base()["components"]["schemas"]["Item"]["properties"],
                "z": {"type": "string"},
            },
        ),
    ),
    ("request-property-removed", _do(lambda d: _item(d)["properties"].pop("kind"))),
    ("request-property-became-optional", _set(_item, required=[])),
    ("request-property-type-generalized", _set(_req("count"), type="number", format=None)),
    ("request-property-enum-value-added", _set(_req("kind"), enum=["a", "b", "c"])),
    ("request-property-max-increased", _set(_req("count"), maximum=99)),
    ("request-property-min-decreased", _set(_req("count"), minimum=-5)),
    ("request-property-max-length-increased", _set(_req("name"), maxLength=99)),
    ("request-property-min-length-decreased", _set(_req("name"), minLength=0)),
    ("request-property-max-items-increased", _set(_req("tags"), maxItems=50)),
    ("request-property-min-items-decreased", _set(_req("tags"), minItems=0)),
    ("request-property-pattern-removed", _set(_req("name"), pattern=None)),
    ("request-property-pattern-changed", _set(_req("name"), pattern="^[a-z0-9]+$")),
    ("request-property-became-nullable", _set(_req("kind"), nullable=True)),
    (
        "request-property-one-of-added",
        _set(
            _req("pet"),
            oneOf=[
                {"$ref": "#/components/schemas/Cat"},
                {"$ref": "#/components/schemas/Dog"},
                {"$ref": "#/components/schemas/Bird"},
            ],
        ),
    ),
    (
        "request-property-discriminator-added",
        _set(_req("pet"), discriminator={"propertyName": "kind"}),
    ),
    ("request-property-default-value-added", _set(_req("kind"), default="a")),
    ("request-optional-property-became-read-only", _set(_req("kind"), readOnly=True)),
    (
        "request-property-additional-properties-narrowed",
        _set(_req("meta"), additionalProperties=False),
    ),
    (
        "response-success-status-added",
        _do(lambda d: _get(d)["responses"].__setitem__("202", {"description": "later"})),
    ),
    ("response-non-success-status-removed", _do(lambda d: _get(d)["responses"].pop("404"))),
    (
        "response-non-success-status-added",
        _do(lambda d: _get(d)["responses"].__setitem__("409", {"description": "conflict"})),
    ),
    (
        "response-media-type-added",
        _do(
            lambda d: _get(d)["responses"]["200"]["content"].__setitem__(
                "text/csv", {"schema": {"type": "string"}}
            )
        ),
    ),
    (
        "response-header-added",
        _do(
            lambda d: _get(d)["responses"]["200"]["headers"].__setitem__(
                "X-New", {"schema": {"type": "string"}}
            )
        ),
    ),
    (
        "optional-response-header-removed",
        _do(lambda d: _get(d)["responses"]["200"]["headers"].pop("X-Opt")),
    ),
    ("response-optional-property-removed", _do(lambda d: _out(d)["properties"].pop("kind"))),
    (
        "response-optional-property-added",
        _do(lambda d: _out(d)["properties"].__setitem__("z", {"type": "string"})),
    ),
    ("response-property-became-required", _do(lambda d: _out(d)["required"].append("kind"))),
    ("response-property-type-specialized", _set(_resp("name"), format="email")),
    ("response-property-enum-value-removed", _set(_resp("kind"), enum=["a"])),
    ("response-property-enum-value-added", _set(_resp("kind"), enum=["a", "b", "c"])),
    ("response-property-became-not-nullable", _set(_resp("note"), nullable=None)),
    ("response-property-max-decreased", _set(_resp("count"), maximum=5)),
    ("response-property-min-increased", _set(_resp("count"), minimum=1)),
    ("response-property-max-length-decreased", _set(_resp("name"), maxLength=5)),
    ("response-property-min-length-increased", _set(_resp("name"), minLength=2)),
    ("response-property-max-items-decreased", _set(_resp("tags"), maxItems=2)),
    ("response-property-pattern-added", _set(_resp("kind"), pattern="^[ab]$")),
    (
        "response-property-one-of-removed",
        _set(_resp("pet"), oneOf=[{"$ref": "#/components/schemas/Cat"}]),
    ),
    (
        "response-property-all-of-added",
        _set(_resp("meta"), allOf=[{"$ref": "#/components/schemas/Cat"}]),
    ),
]
