"""Request validation that reports *every* problem, for connexion's ``validator_map``.

Connexion's own validators stop at the first error, answer ``problem+json``, rebuild the
JSON-Schema validator on every request, and fail with a 500 on a body that is not UTF-8. These
subclasses keep connexion's parsing and plumbing and change only that: they compile each schema
once, collect every error, and raise :class:`~mock_server.core.problems.Rejection` so the partner's
own envelope is rendered further up. They name no partner.

Vendor keywords express rules the docs state but JSON Schema cannot; their names come from the
``vendor_keywords`` table (``x-after``, ``x-unique-by`` over the instance, ``x-csv-rows`` on
uploads).
"""

from __future__ import annotations

import contextvars
import csv
import functools
import io
import json
import math
import re
import sys
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import jsonschema
import jsonschema_rs
import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.lifecycle import ConnexionRequest
from connexion.validators import VALIDATOR_MAP as CONNEXION_VALIDATORS
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30WriteValidator, oas30_format_checker
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import FormParser, MultiPartParser
from starlette.types import Receive, Scope

from mock_server.core import pointers
from mock_server.core.problems import PathPart, Problem, Rejection
from mock_server.rules import context
from vendor_keywords import INSTANCE_KEYWORDS, X_AFTER, X_CSV_ROWS, X_UNIQUE_BY


def after_broken(rule: Mapping[str, str], instance: Any) -> list[tuple[str, str]]:
    """``x-after: {end_time: start_time}``: the (later, earlier) pairs of ``instance`` whose
    first is not a later date-time than the second (none when either is missing or no date)."""
    if not isinstance(instance, dict):
        return []
    broken = []
    for later, earlier in rule.items():
        a, b = _parse_time(instance.get(later)), _parse_time(instance.get(earlier))
        if a is not None and b is not None and not a > b:
            broken.append((later, earlier))
    return broken


def unique_by_broken(pointer: str, instance: Any) -> list[int]:
    """``x-unique-by: /call/id``: the indexes of array items equal at that JSON pointer to an
    item before them."""
    if not isinstance(instance, list):
        return []
    seen: set[Any] = set()
    repeats = []
    for index, item in enumerate(instance):
        value = pointers.lookup(item, pointer)
        if value is None:
            continue
        # equal as JSON: a string stands for itself (no serializing per item), anything else
        # by its canonical text (a string and its text never meet: one is a tuple)
        key = value if isinstance(value, str) else (json.dumps(value, sort_keys=True),)
        if key in seen:
            repeats.append(index)
        seen.add(key)
    return repeats


def _after(validator: Any, rule: Mapping[str, str], instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's form of :func:`after_broken`: one error per pair."""
    for later, earlier in after_broken(rule, instance):
        yield ValidationError(
            f"{later} must be after {earlier}",
            path=[later],
            validator=X_AFTER,
            validator_value=earlier,
        )


def _unique_by(validator: Any, pointer: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's form of :func:`unique_by_broken`: one error per repeated item."""
    parts = pointers.parse(pointer).parts
    for index in unique_by_broken(pointer, instance):
        yield ValidationError(
            f"{parts[-1] if parts else 'item'} must be unique",
            path=[index, *parts],
            validator=X_UNIQUE_BY,
            validator_value=pointer,
        )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def csv_rows(data: bytes, rule: Mapping[str, Any]) -> list[str] | None:
    """The first cells of an uploaded CSV's data rows (the optional header row dropped), or
    None when the file is not UTF-8 text (a byte-order mark, as spreadsheets write, is fine)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    try:
        rows = [row[0].strip() for row in csv.reader(io.StringIO(text)) if row and row[0].strip()]
    except csv.Error:
        return None
    return rows[1:] if rows and rows[0] == rule.get("header") else rows


def csv_problems(field: str, data: bytes, rule: Mapping[str, Any]) -> list[Problem]:
    """``x-csv-rows``: problems of an uploaded CSV (first bad row, or too few rows)."""
    rows = csv_rows(data, rule)
    if rows is None:
        params: dict[str, Any] = {"field": field, "limit": "encoding"}
        return [Problem("body", (field,), X_CSV_ROWS, "File is not UTF-8 text.", params)]
    pattern = re.compile(rule.get("pattern", ".*"))
    for number, cell in enumerate(rows, start=1):
        if not pattern.search(cell):
            message = f"Row {number}: {cell} does not match {rule.get('pattern')}."
            params = {"field": field, "row": number, "cell": cell, "limit": "row"}
            return [Problem("body", (field,), X_CSV_ROWS, message, params)]
    if len(rows) < int(rule.get("min_rows", 0)):
        message = f"The file has {len(rows)} rows; at least {rule.get('min_rows')} needed."
        params = {"field": field, "row": 0, "limit": "empty"}
        return [Problem("body", (field,), X_CSV_ROWS, message, params)]
    return []


# jsonschema's own "email" check only looks for an "@". email-validator (tried, 2.4) refuses
# special-use domains such as .test and .local by policy, with no option to allow them, though
# they are valid syntax that partners' validators accept and fuzzers generate. So "email" is
# checked here by hand against RFC 5322's dot-atom form with a dotted host name and RFC 5321's
# lengths. Every other format is openapi-schema-validator's (uri needs rfc3987).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+$")


def is_email(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    local, _, _ = instance.rpartition("@")
    return bool(_EMAIL.match(instance)) and len(local) <= 64 and len(instance) <= 254


FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers = dict(oas30_format_checker.checkers)
FORMAT_CHECKER.checks("email")(is_email)


# The instance keywords of the vendor_keywords table, by name (tests/test_vendor_keywords.py):
# jsonschema's keyword functions for the collecting validator, and the predicates behind them
# (what is broken, empty when nothing is) for the fast path's one pass.
INSTANCE_CHECKS: dict[str, Callable[..., Any]] = {X_AFTER: _after, X_UNIQUE_BY: _unique_by}
BROKEN: dict[str, Callable[[Any, Any], list[Any]]] = {
    X_AFTER: after_broken,
    X_UNIQUE_BY: unique_by_broken,
}

# Which objects and arrays of the instance being collected lie on the way to a problem (their
# id()s), as the fast path found them (see :func:`_hot`); None: walk everything.
_HOT: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar(
    "mock_server_hot", default=None
)


class _Pruned:
    """The collecting validator as a keyword function sees it, but whose ``descend`` skips an
    object or array with no problem in or under it; every other attribute is the validator's.

    By hand: jsonschema has no hook to skip subtrees, and subclassing its validator classes
    is outside its public API; wrapping the keywords that descend (below) is within it."""

    __slots__ = ("_hot", "_validator")

    def __init__(self, validator: Any, hot: frozenset[int]) -> None:
        self._validator = validator
        self._hot = hot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._validator, name)

    def descend(self, instance: Any, schema: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(instance, dict | list) and id(instance) not in self._hot:
            return iter(())
        return self._validator.descend(instance, schema, *args, **kwargs)


def _pruning(keyword: Callable[..., Any]) -> Callable[..., Any]:
    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        hot = _HOT.get()
        return keyword(
            validator if hot is None else _Pruned(validator, hot), value, instance, schema
        )

    return check


# The keywords that descend into an instance's members or items (the only ones the pruned
# walk may skip; combinators see the same instance and are never pruned, see _prunable).
_DESCENDING = ("properties", "items", "additionalProperties")
RequestValidator = jsonschema.validators.extend(
    OAS30WriteValidator,
    {
        **INSTANCE_CHECKS,
        **{name: _pruning(OAS30WriteValidator.VALIDATORS[name]) for name in _DESCENDING},
    },
)

# Compiled validators by schema identity. Connexion builds a validator object per request;
# compiling the schema each time is the costliest part of validation, so it is done once here.
# The schema is kept in the value so its id() is never reused while cached.
_COMPILED: dict[int, tuple[Any, Any]] = {}


def compiled(schema: Mapping[str, Any]) -> Any:
    """The request validator for ``schema``, compiled once."""
    hit = _COMPILED.get(id(schema))
    if hit is None:
        hit = (schema, RequestValidator(schema, format_checker=FORMAT_CHECKER))
        _COMPILED[id(schema)] = hit
    return hit[1]


def schema_problems(
    schema: Mapping[str, Any], instance: Any, location: str, prefix: tuple[PathPart, ...] = ()
) -> list[Problem]:
    """Every problem of ``instance`` against ``schema``, in document order.

    A valid instance is confirmed by the compiled Rust validator (see :func:`fast`); only an
    instance it refuses (or a schema it cannot take) goes through the collecting validator,
    which finds and words every problem.
    """
    quick = fast(schema)
    if quick is not None and quick.is_valid(instance):
        return []
    # Refused: the collecting walk goes only where the fast path found problems (an invalid
    # batch item's other members are not walked again); if that finds nothing, everywhere.
    hot = _hot(quick, instance) if quick is not None and _prunable(schema) else None
    errors = _collect(schema, instance, hot)
    if not errors and hot is not None:
        errors = _collect(schema, instance, None)
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in errors:
        if error.validator == "nullable" and tuple(error.absolute_path) in typed:
            continue  # a null where none is allowed is one problem, not a type and a null one
        for problem in _to_problems(error, location, prefix):
            key = (problem.path, problem.keyword)  # the same rule reached through two schemas
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    return problems


def _collect(schema: Mapping[str, Any], instance: Any, hot: frozenset[int] | None) -> list[Any]:
    token = _HOT.set(hot)
    try:
        return sorted(compiled(schema).iter_errors(instance), key=_error_order)
    finally:
        _HOT.reset(token)


# --- the fast path -------------------------------------------------------------------------
#
# Pure-Python jsonschema is most of the cost of a valid request (a 50-call batch: ~80%).
# jsonschema-rs answers "valid?" in compiled code with the same meaning, given: our own format
# functions (so uri, email, date-time are judged exactly as below), our vendor keywords as
# custom keywords, and OpenAPI 3.0's `nullable` written as JSON Schema's `type: [T, "null"]`.
# Schemas using readOnly/writeOnly or discriminator (OpenAPI-only semantics) get no fast path.

_FAST: dict[int, tuple[Any, Any]] = {}
_OPENAPI_ONLY = {"readOnly", "writeOnly", "discriminator"}


class _VendorKeyword:
    """A vendor keyword for jsonschema-rs, judged by the same predicate as the one pass."""

    keyword = ""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.value = value
        self.broken = BROKEN[self.keyword]

    def validate(self, instance: Any) -> None:
        if self.broken(self.value, instance):
            raise ValueError(f"{self.keyword} does not hold")


class _AfterKeyword(_VendorKeyword):
    keyword = X_AFTER


class _UniqueByKeyword(_VendorKeyword):
    keyword = X_UNIQUE_BY


FAST_KEYWORDS = {X_AFTER: _AfterKeyword, X_UNIQUE_BY: _UniqueByKeyword}
_VERBATIM = frozenset({"enum", "default"}) | INSTANCE_KEYWORDS  # values that are not schemas


def _to_draft4(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema draft 4 (None if it uses OpenAPI-only keywords)."""
    if isinstance(node, list):
        items = [_to_draft4(n) for n in node]
        return (
            None
            if any(i is None and n is not None for i, n in zip(items, node, strict=True))
            else items
        )
    if not isinstance(node, dict):
        return node
    if _OPENAPI_ONLY & set(node):
        return None
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in {"nullable", "example", "examples", "deprecated", "xml", "externalDocs"}:
            continue
        converted = _to_draft4(value) if key not in _VERBATIM else value
        if converted is None and value is not None:
            return None
        out[key] = converted
    if node.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _formats(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            found.add(node["format"])
        for value in node.values():
            _formats(value, found)
    elif isinstance(node, list):
        for value in node:
            _formats(value, found)
    return found


_CACHED_FORMAT_LENGTH = 256  # longer strings are checked each time, not remembered


def _format_check(name: str) -> Any:
    """``FORMAT_CHECKER.conforms(value, name)`` for jsonschema-rs, called directly (no per-call
    dispatch through jsonschema) and remembered per value: a batch repeats its time stamps and
    addresses item after item."""
    if name not in FORMAT_CHECKER.checkers:
        return lambda value: True  # an unknown format: conforms, as jsonschema has it
    func, raises = FORMAT_CHECKER.checkers[name]

    def check(value: str) -> bool:
        try:
            return bool(func(value))
        except raises:
            return False

    remembered = functools.lru_cache(maxsize=4096)(check)

    def conforms(value: str) -> bool:
        return remembered(value) if len(value) <= _CACHED_FORMAT_LENGTH else check(value)

    return conforms


_VENDOR = tuple(sorted(INSTANCE_KEYWORDS))  # the rules the one Python pass checks
_VENDOR_KEYS = frozenset(_VENDOR)
_ITEMS = object()  # a site's path step: every item of an array
_NOT_SCHEMA = _VERBATIM | {"example", "examples"}
# Where connexion (and JSON Schema) keep schemas for reference: the body schema connexion
# validates carries the spec's components beside the resolved schema.
_DEFINITIONS = {"components", "definitions"}


def _holds(node: Any, keys: frozenset[str]) -> bool:
    """Whether any schema under ``node`` (``node`` included) uses one of ``keys``."""
    if isinstance(node, list):
        return any(_holds(n, keys) for n in node)
    if not isinstance(node, dict):
        return False
    return bool(keys & node.keys()) or any(
        _holds(value, keys) for key, value in node.items() if key not in _NOT_SCHEMA
    )


def _vendor_sites(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]] | None:
    """Where ``node``'s vendor keywords apply: (instance path, keyword, value) for keywords
    reached through ``properties`` and ``items`` only; None if one sits anywhere else (under
    ``allOf``, ``additionalProperties``...), where only the validator itself can place it."""
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        return None  # what a reference brings in applies where only the validator knows
    sites: list[tuple[Any, ...]] = [(path, k, node[k]) for k in _VENDOR if k in node]
    for key, value in node.items():
        found: list[tuple[Any, ...]] | None = []
        if key in _DEFINITIONS:
            continue  # applied only through a $ref, which has no fast path here (above)
        if key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                more = _vendor_sites(sub, (*path, name))
                found = None if more is None or found is None else found + more
        elif key == "items" and isinstance(value, dict):
            found = _vendor_sites(value, (*path, _ITEMS))
        elif key not in _NOT_SCHEMA and _holds(value, _VENDOR_KEYS):
            found = None
        if found is None:
            return None
        sites += found
    return sites


def _at(instance: Any, path: tuple[Any, ...]) -> list[Any]:
    """The instance's values at a site's path (objects by key, arrays item by item), walked a
    step at a time over lists: a 50-item batch is one loop per step, not a generator a node."""
    nodes = [instance]
    for step in path:
        if step is _ITEMS:
            nodes = [item for node in nodes if isinstance(node, list) for item in node]
        else:
            nodes = [node[step] for node in nodes if isinstance(node, dict) and step in node]
    return nodes


class _WithVendorPass:
    """The Rust validator's verdict, then the vendor rules in one pass over their sites."""

    def __init__(self, rust: Any, sites: list[tuple[Any, ...]]) -> None:
        self.rust = rust
        self.sites: list[tuple[tuple[Any, ...], Any, Any]] = [
            (path, BROKEN[keyword], value) for path, keyword, value in sites
        ]

    def is_valid(self, instance: Any) -> bool:
        if not self.rust.is_valid(instance):
            return False
        for path, broken, value in self.sites:
            for node in _at(instance, path):
                if broken(value, node):
                    return False
        return True


def _at_paths(instance: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    """:func:`_at` with each value's concrete path (array items by index): for a refusal."""
    found: list[tuple[tuple[Any, ...], Any]] = [((), instance)]
    for step in path:
        if step is _ITEMS:
            found = [
                ((*where, index), item)
                for where, node in found
                if isinstance(node, list)
                for index, item in enumerate(node)
            ]
        else:
            found = [
                ((*where, step), node[step])
                for where, node in found
                if isinstance(node, dict) and step in node
            ]
    return found


def _mark(instance: Any, path: Any, hot: set[int]) -> None:
    """Add the objects and arrays from the root down along ``path`` to ``hot``."""
    node = instance
    hot.add(id(node))
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return
        if isinstance(node, dict | list):
            hot.add(id(node))


def _hot(quick: Any, instance: Any) -> frozenset[int] | None:
    """The id()s of the objects and arrays on the way to each problem the fast path finds in
    ``instance`` (Rust's errors, then the vendor pass's); None when it finds none or cannot
    say."""
    rust, sites = (quick.rust, quick.sites) if isinstance(quick, _WithVendorPass) else (quick, [])
    hot: set[int] = set()
    try:
        errors = list(rust.iter_errors(instance))
    except ValueError:  # e.g. "Recursion limit reached" on a deep document: walk it all
        return None
    for error in errors:
        _mark(instance, error.instance_path, hot)
    for path, broken, value in sites:
        for where, node in _at_paths(instance, path):
            if broken(value, node):
                _mark(instance, where, hot)
    return frozenset(hot) if hot else None


_COMBINATORS = ("allOf", "anyOf", "oneOf", "not")
_NOT_WALKED = _NOT_SCHEMA | _DEFINITIONS | frozenset(_COMBINATORS)  # see _plain


_DESCENT = frozenset({*_DESCENDING, "$ref"})


def _plain(node: Any) -> bool:
    """Whether a walk may skip a subtree the fast path found no problem in: no reference
    (definitions aside, reached only through one), and no combinator whose branches descend
    (the fast path reports a failed branch at the combinator, not at the member inside it; a
    combinator over scalars, such as ``anyOf: [string, number]``, is fine)."""
    if isinstance(node, list):
        return all(_plain(n) for n in node)
    if not isinstance(node, dict):
        return True
    if "$ref" in node or any(_holds(node[k], _DESCENT) for k in _COMBINATORS if k in node):
        return False
    return all(_plain(value) for key, value in node.items() if key not in _NOT_WALKED)


_PRUNABLE: dict[int, tuple[Any, bool]] = {}


def _prunable(schema: Mapping[str, Any]) -> bool:
    hit = _PRUNABLE.get(id(schema))
    if hit is None:
        hit = _PRUNABLE[id(schema)] = (schema, _plain(schema))
    return bool(hit[1])


def fast(schema: Mapping[str, Any]) -> Any:
    """The compiled jsonschema-rs validator for ``schema`` (built once), or None."""
    hit = _FAST.get(id(schema))
    if hit is None:
        draft4 = _to_draft4(schema)
        validator = None
        if draft4 is not None:
            formats = {name: _format_check(name) for name in _formats(schema, set())}
            sites = _vendor_sites(schema)
            # Vendor rules at known places are checked in one Python pass after the Rust check
            # (unknown keywords are ignored by it); anywhere else, Rust calls back per object.
            keywords: dict[str, Any] = dict(FAST_KEYWORDS) if sites is None else {}
            try:
                rust = jsonschema_rs.Draft4Validator(
                    draft4, formats=formats, validate_formats=True, keywords=keywords
                )
                validator = rust if not sites else _WithVendorPass(rust, sites)
            except Exception:  # a schema the Rust validator cannot take: no fast path
                validator = None
        hit = _FAST[id(schema)] = (schema, validator)
    return hit[1]


def _error_order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(p).zfill(6) for p in error.absolute_path)


_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _to_problems(
    error: ValidationError, location: str, prefix: tuple[PathPart, ...]
) -> list[Problem]:
    path = (*prefix, *error.absolute_path)
    keyword = str(error.validator)
    if keyword == "required":
        match = _REQUIRED.match(error.message)
        name = match.group(1) if match else "?"
        return [Problem(location, (*path, name), "required", error.message, {"field": name})]
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in known]
        return [
            Problem(
                location, (*path, k), "additionalProperties", f"{k} is not allowed", {"field": k}
            )
            for k in extras
        ]
    field = next((p for p in reversed(path) if isinstance(p, str)), "value")
    if keyword == "minLength" and error.instance == "":
        keyword = "empty"
    params = {"field": field, "limit": error.validator_value}
    if keyword in {"minimum", "maximum"} and {"minimum", "maximum"} <= set(error.schema):
        keyword = "range"  # both bounds known: worded as one range where a profile wants it
        params.update(minimum=error.schema["minimum"], maximum=error.schema["maximum"])
    if keyword in INSTANCE_KEYWORDS:
        field = str(error.path[-1]) if error.path else field
        params = {"field": field, "limit": error.validator_value}
    return [Problem(location, path, keyword, error.message, params)]


class _CollectingBody:
    """Shared behaviour of the body validators below (a mixin over connexion's)."""

    _schema: Any
    _nullable: bool

    def _validate(self, body: Any) -> None:
        if body is None and not self._nullable:
            raise Rejection(
                "validation",
                problems=[Problem("body", (), "required", "Request body must not be empty")],
            )
        problems = schema_problems(self._schema, body, "body")
        problems += getattr(self, "extra_problems", [])
        if len(problems) == 1 and problems[0].path == () and problems[0].keyword == "type":
            raise Rejection("body_type", problems=problems)  # e.g. a JSON array for an object
        if problems:
            raise Rejection("validation", problems=problems)

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        try:
            return await super().wrap_receive(receive, scope=scope)  # type: ignore[misc,no-any-return]
        except BadRequestProblem as exc:  # connexion's own "RequestBody is required"
            raise Rejection(
                "validation",
                problems=[Problem("body", (), "required", str(exc.detail))],
            ) from exc


class _Unusable:
    """Where a value no partner could take stood in the parsed body: NaN, Infinity, a number
    that overflows, an integer past Python's digit limit, a string with a lone surrogate."""

    def __init__(self, literal: str, why: str) -> None:
        self.literal = literal
        self.why = why


def _unusable(literal: str) -> _Unusable:
    return _Unusable(literal, f"{literal} is not a finite number")


def _surrogate_free(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


def _escaped(text: str) -> str:
    """``text`` with each lone surrogate written as its JSON escape, so it can be told."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _unusable_paths(
    value: Any, surrogates: bool, path: tuple[str | int, ...] = ()
) -> Iterator[Problem]:
    if isinstance(value, _Unusable):
        # Keyword ``json``, not ``type``: the field's schema type is not the point (a NaN in a
        # string field is not "of the wrong type"); the body is not valid JSON there.
        yield Problem(
            "body",
            path,
            "json",
            f"not valid JSON: {value.why}",
            {"limit": value.literal, "why": value.why},
        )
    elif surrogates and isinstance(value, str) and not _surrogate_free(value):
        shown = _escaped(value)[:40]
        why = f'"{shown}" holds a lone UTF-16 surrogate, which is not a Unicode character'
        params = {"limit": shown, "why": why}
        yield Problem("body", path, "json", f"not valid JSON: {why}", params)
    elif isinstance(value, dict):
        for key, item in value.items():
            if surrogates and not _surrogate_free(key):
                yield from _unusable_paths(key, surrogates, (*path, _escaped(key)))
            else:
                yield from _unusable_paths(item, surrogates, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unusable_paths(item, surrogates, (*path, index))


# A JSON escape of a UTF-16 surrogate: only a body with one can hold a lone surrogate (UTF-8
# cannot encode one), and most such escapes are pairs (an emoji), which the walk lets through.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def strict_json(text: str) -> Any:
    """JSON as RFC 8259 defines it, refused as the partner's validation answer naming each
    field where Python's json would take what no partner can: ``NaN``, ``Infinity`` and numbers
    that overflow to infinity (accepted by Python, passed on into state, journal and callbacks),
    integers longer than Python converts (a ValueError, which read as "malformed"), and strings
    with a lone surrogate escape (accepted by Python, then unwritable as UTF-8: a 500 on the
    answer, the journal or the store; RFC 8259 section 8.2 leaves them unpredictable)."""
    seen: list[_Unusable] = []

    def constant(literal: str) -> _Unusable:
        seen.append(_unusable(literal))
        return seen[-1]

    def number(literal: str) -> float | _Unusable:
        value = float(literal)
        return value if math.isfinite(value) else constant(literal)

    def integer(literal: str) -> int | _Unusable:
        limit = sys.get_int_max_str_digits()  # 4,300 unless PYTHONINTMAXSTRDIGITS says (0: none)
        if not limit or len(literal.lstrip("-")) <= limit:
            return int(literal)
        why = f"an integer of {len(literal.lstrip('-'))} digits is out of range"
        seen.append(_Unusable(literal[:20] + "…", why))
        return seen[-1]

    parsed = json.loads(text, parse_constant=constant, parse_float=number, parse_int=integer)
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    if seen or surrogates:
        problems = list(_unusable_paths(parsed, surrogates))
        if problems:
            raise Rejection("validation", problems=problems)
    return parsed


# orjson parses a UTF-8 body in half the standard library's time and refuses everything
# strict_json refuses (NaN, Infinity, overflow, lone surrogates), which then goes the standard
# way for its verdict. Two differences stay off its path: it reads an integer past 64 bits as
# a float (so a body with a run of 19 digits goes the standard way), and it nests deeper than
# the standard library allows (so does a body with 512 brackets or more: no shallower body can
# tell them apart). One bytes.translate finds both (no regex: a digit-run search is slower
# than the parse it would save).
_SHAPE = bytes(48 if 48 <= i <= 57 else 91 if i in (91, 123) else 32 for i in range(256))
_LONG_RUN = b"0" * 19
_MANY_BRACKETS = 512


def parse_body(raw: bytes, encoding: str) -> Any:
    """``strict_json(raw.decode(encoding))``, with orjson first where it gives the same."""
    if encoding.lower().replace("-", "").replace("_", "") == "utf8":
        shape = raw.translate(_SHAPE)
        if shape.count(b"[") < _MANY_BRACKETS and _LONG_RUN not in shape:
            try:
                return orjson.loads(raw)
            except ValueError:  # not JSON to orjson: the standard library's verdict, below
                pass
    return strict_json(raw.decode(encoding))


class JSONBodyValidator(_CollectingBody, JSONRequestBodyValidator):  # type: ignore[misc]
    """JSON bodies: non-UTF-8 and malformed JSON are ``malformed_body``, not a 500."""

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([message async for message in stream])
        if not raw:
            return None
        try:
            parsed = parse_body(raw, self._encoding or "utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise Rejection("malformed_body", params={"detail": "body is not UTF-8"}) from exc
        except (ValueError, RecursionError) as exc:  # malformed, or too deep
            raise Rejection("malformed_body", params={"detail": str(exc)}) from exc
        context.of(scope).parsed_body = parsed  # the handler's body: parsed once (dispatch.py)
        return parsed


class _FormBody(_CollectingBody):
    """Form bodies parsed with Starlette's parsers, then given the schema's scalar types.

    Connexion's own form parsing raises on a value that does not convert (``max_retries=abc``
    becomes a 400 "cannot parse"), and blanks uploaded files before validation. Here a value
    that does not convert stays a string for the schema to report, and an uploaded CSV is
    checked against its ``x-csv-rows`` rule together with every other problem.
    """

    _parser: Any
    _delimited = False  # multipart: the body must carry its close delimiter

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        headers = Headers(scope=scope)
        close = _CloseDelimiter(headers.get("content-type", "")) if self._delimited else None
        try:
            form = await self._parser(headers, close.watch(stream) if close else stream).parse()
        except Exception as exc:  # the parsers raise several unrelated types
            raise Rejection("malformed_body", params={"detail": str(exc)}) from exc
        if close is not None and not close.found:
            detail = "the multipart body ends before its closing boundary"
            raise Rejection("malformed_body", params={"detail": detail})
        properties = self._schema.get("properties", {})
        data: dict[str, Any] = {}
        self.extra_problems: list[Problem] = []
        for key in form:
            values, prop = form.getlist(key), properties.get(key, {})
            if prop.get("format") == "binary" and not isinstance(values[0], UploadFile):
                # OpenAPI's file field: a plain field is not a file upload
                self.extra_problems.append(
                    Problem("body", (key,), "type", f"{key} must be a file", {"limit": "file"})
                )
                data[key] = ""
                continue
            if prop.get(X_CSV_ROWS):  # checked however it is sent: as a file or a plain field
                value = values[0]
                content = await value.read() if isinstance(value, UploadFile) else value.encode()
                self.extra_problems += csv_problems(key, content, prop[X_CSV_ROWS])
            if isinstance(values[0], UploadFile):
                data[key] = "" if len(values) == 1 else [""] * len(values)
            elif prop.get("type") == "array":
                data[key] = [_coerce(v, prop.get("items", {})) for v in values]
            else:
                data[key] = _coerce(values[-1], prop)
        # a multipart charset such as UTF-7 decodes to lone surrogates, as a JSON escape can
        self.extra_problems += _unusable_paths(data, surrogates=True)
        return data


class FormBodyValidator(_FormBody, FormDataValidator):  # type: ignore[misc]
    """URL-encoded form bodies."""

    _parser = FormParser


class MultipartBodyValidator(_FormBody, MultiPartFormDataValidator):  # type: ignore[misc]
    """Multipart bodies."""

    _parser = MultiPartParser
    _delimited = True


class _CloseDelimiter:
    """Whether a multipart body carries its close delimiter (``--<boundary>--``, RFC 2046).

    By hand because python-multipart (under Starlette's parser) ends a body cut short without
    an error and drops the part it was in, so a truncated form reads as one missing a field.
    Looks at each chunk and the end of the one before: bounded work, nothing kept.
    """

    def __init__(self, content_type: str) -> None:
        _, params = parse_options_header(content_type)
        self.marker = b"--" + params.get(b"boundary", b"") + b"--"
        self.found = False

    async def watch(self, stream: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        tail = b""
        async for chunk in stream:
            if not self.found:
                window = tail + chunk
                self.found = self.marker in window
                tail = window[-len(self.marker) :]
            yield chunk


class CollectingParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Query, path, header and cookie parameters, every problem reported."""

    def validate_request(self, request: ConnexionRequest) -> None:
        problems: list[Problem] = []
        path = request.path_params
        # no query string resolves to {} (connexion's resolve_query of nothing): not parsed
        query = request.query_params if request.scope.get("query_string") else {}
        # parsed once: the handler's arguments are read from the same parse (dispatch.py)
        context.of(request.scope).uri_params = (path, query)
        for location, params in self.parameters.items():
            # headers and cookies are read only for an operation that declares some
            source = (
                query
                if location == "query"
                else path
                if location == "path"
                else request.headers
                if location == "header"
                else request.cookies
            )
            for param in params:
                name = param["name"]
                key = name.replace("-", "_") if location == "path" else name
                raw = source.get(key)
                problems.extend(self._check(location, param, raw))
        if problems:
            only_path = all(p.location == "path" for p in problems)
            raise Rejection("path_validation" if only_path else "validation", problems=problems)

    def _check(self, location: str, param: Mapping[str, Any], raw: Any) -> list[Problem]:
        name = param["name"]
        if raw is None:
            if param.get("required"):
                return [
                    Problem(location, (name,), "required", f"{name} is required", {"field": name})
                ]
            return []
        schema = param.get("schema", {})
        value = _coerce(raw, schema)
        return schema_problems(schema, value, location, (name,))


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """Query and header values arrive as strings; give them the schema's scalar type.

    Connexion's URI parser does this only for query and path parameters it routes itself; doing
    it here covers headers too and leaves a value that does not convert as the string it was, so
    the schema reports it.
    """
    kind = schema.get("type")
    if not isinstance(raw, str):
        return raw
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean" and raw.lower() in {"true", "false"}:
            return raw.lower() == "true"
    except ValueError:
        return raw
    return raw


def validator_map() -> dict[str, Any]:
    """Connexion's validator map with ours in place; responses keep connexion's validators."""
    return {
        "parameter": CollectingParameterValidator,
        "body": MediaTypeDict(
            {
                "*/*json": JSONBodyValidator,
                "application/x-www-form-urlencoded": FormBodyValidator,
                "multipart/form-data": MultipartBodyValidator,
            }
        ),
        "response": CONNEXION_VALIDATORS["response"],
    }
