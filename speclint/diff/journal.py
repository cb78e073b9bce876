"""Replay the mock's request journal (``/__mock/requests``, exported as JSON) against a spec.

Each recorded request is matched to an operation of the new spec by method and path template
and checked: required parameters present, parameter values and the JSON body valid against
their schemas (openapi-schema-validator, OpenAPI 3.0 dialect).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from openapi_schema_validator import OAS30Validator

from speclint.diff.compare import METHODS, _d, _l, deref
from speclint.diff.source import SourceError


@dataclass
class Replay:
    total: int = 0  # requests the old spec accepts (all of them when there is no old spec)
    rejected: int = 0
    left_out: int = 0  # requests the old spec already rejects (other APIs' paths among them)
    by_operation: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


def load_journal(path: str) -> list[dict[str, Any]]:
    """Entries from a file holding the endpoint's answer (``{"entries": [...]}``) or a list."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{path}: cannot read the journal: {exc}") from exc
    entries = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a list of journal entries or {{'entries': [...]}}")
    return [e for e in entries if isinstance(e, dict)]


def _templates(doc: dict[str, Any]) -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    out = []
    for path, item in _d(doc.get("paths")).items():
        regex = re.escape(str(path))
        regex = re.sub(r"\\\{[^}]*\\\}", "[^/]+", regex)
        out.append((re.compile(f"(?:^|.*?)({regex})/?$"), str(path), _d(deref(doc, item)[0])))
    # longest template first, so /a/{id}/b wins over /a/{id}
    out.sort(key=lambda t: -len(t[1]))
    return out


def replay(
    doc: dict[str, Any], entries: list[dict[str, Any]], old: dict[str, Any] | None = None
) -> Replay:
    """The requests of ``entries`` that ``doc`` rejects. With ``old``, only those the old spec
    accepts count: what the change breaks, not what was never valid (another API's path in
    the mock's journal, a body the journal did not keep, a request the mock refused)."""
    result = Replay()
    templates = _templates(doc)
    old_templates = _templates(old) if old is not None else []
    for entry in entries:
        method = str(entry.get("method", "")).lower()
        path = str(entry.get("path", ""))
        if old is not None and _check(old, old_templates, method, path, entry)[0]:
            result.left_out += 1
            continue
        result.total += 1
        problems, operation = _check(doc, templates, method, path, entry)
        if problems:
            result.rejected += 1
            result.by_operation[operation] = result.by_operation.get(operation, 0) + 1
            if len(result.examples) < 10:
                result.examples.append(f"{method.upper()} {path}: {problems[0]}")
    return result


def _check(
    doc: dict[str, Any],
    templates: list[tuple[re.Pattern[str], str, dict[str, Any]]],
    method: str,
    path: str,
    entry: dict[str, Any],
) -> tuple[list[str], str]:
    for regex, template, item in templates:
        if not regex.match(path):
            continue
        op = item.get(method)
        if method not in METHODS or not isinstance(op, dict):
            return [f"no {method.upper()} operation on {template}"], f"{method.upper()} {template}"
        return _check_operation(doc, item, op, entry), f"{method.upper()} {template}"
    return ["no path of the spec matches"], f"{method.upper()} {path}"


def _validate(doc: dict[str, Any], schema: Any, value: Any) -> str | None:
    resolved = deref(doc, schema)[0]
    if not isinstance(resolved, dict):
        return None
    try:
        # the whole document travels along so local $refs inside the schema resolve
        validator = OAS30Validator({**resolved, "components": _d(doc.get("components"))})
        error = next(iter(validator.iter_errors(value)), None)
    except Exception:  # an unusable schema cannot reject anything
        return None
    return error.message if error is not None else None


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _check_operation(
    doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any], entry: dict[str, Any]
) -> list[str]:
    problems: list[str] = []
    query = parse_qs(str(entry.get("query") or ""), keep_blank_values=True)
    headers = {str(k).lower(): str(v) for k, v in _d(entry.get("headers")).items()}
    for raw in [*_l(item.get("parameters")), *_l(op.get("parameters"))]:
        param = _d(deref(doc, raw)[0])
        name, where = param.get("name"), param.get("in")
        if where == "query" and isinstance(name, str):
            present, value = name in query, (query.get(name) or [""])[0]
        elif where == "header" and isinstance(name, str):
            present, value = name.lower() in headers, headers.get(name.lower(), "")
        else:
            continue
        if not present:
            if param.get("required") is True:
                problems.append(f"required {where} parameter {name} missing")
            continue
        schema = _d(deref(doc, param.get("schema"))[0])
        if where == "header" and str(name).lower() == "authorization":
            continue  # redacted in the journal
        message = _validate(doc, schema, _coerce(value, schema))
        if message:
            problems.append(f"{where} parameter {name}: {message}")
    body = _d(deref(doc, op.get("requestBody"))[0])
    recorded = entry.get("body")
    if body:
        if recorded is None and body.get("required") is True:
            problems.append("request body required")
        content = _d(body.get("content"))
        media = _d(content.get("application/json"))
        if recorded is not None and isinstance(recorded, dict | list) and media.get("schema"):
            message = _validate(doc, media["schema"], recorded)
            if message:
                problems.append(f"body: {message}")
    return problems
