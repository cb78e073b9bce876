"""Documented-behaviour checks generated from the profiles (issue 9, item 1: a first slice).

Plain schemathesis checks know the spec, not what the docs promise per credential or for a
malformed request. Each partner's profile does: which status and message answer a missing or a
wrong credential, a malformed body, a wrong Content-Type, an unknown method. ``probes`` turns
that into one concrete request per operation and check; ``judge`` lists every way the answer
departs from the documented one (never only the first).
"""

from __future__ import annotations

import copy
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from connexion.json_schema import resolve_refs

from mock_server.specindex import resolve
from vendor_keywords import INSTANCE_KEYWORDS

from .targets import Target, scheme_values

WRONG_VALUE = "contract-wrong-value"  # an invented credential: shown as sent in the curl
_METHODS = ("get", "post", "put", "patch", "delete")
_PROBE_METHODS = ("DELETE", "PUT", "PATCH", "POST")


@dataclass(frozen=True)
class Probe:
    api: str
    method: str
    path: str  # the spec path, parameters filled
    check: str  # e.g. "auth: wrong ApiKey"
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    allow: tuple[str, ...] = ()  # for 405: the methods the Allow header must name
    field: str | None = None  # a field the refusal must name

    @property
    def name(self) -> str:
        # ASCII only: pytest escapes other characters in test ids (and so in JUnit names).
        return f"{self.api} {self.method} {self.path} | {self.check} -> {self.status}"


def _scheme_header(scheme: dict[str, Any], value: str) -> tuple[str, str]:
    if scheme.get("type") == "apiKey":
        return str(scheme["name"]), value
    return "Authorization", f"Bearer {value}"


def _fill(path: str, params: list[dict[str, Any]], doc: dict[str, Any]) -> str:
    for param in (resolve(doc, p) for p in params):
        if param.get("in") == "path":
            example = param.get("example", param.get("schema", {}).get("example", "x"))
            path = path.replace("{" + param["name"] + "}", str(example))
    return path


def _json_body(operation: dict[str, Any]) -> bytes | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    media = content["application/json"]
    examples = media.get("examples") or {}
    value = media.get("example", next(iter(examples.values()), {}).get("value", {}))
    return json.dumps(value).encode()


def _rule_sites(schema: Any, value: Any, at: tuple[Any, ...] = ()) -> Any:
    """(keyword, rule, location) for each x-after / x-unique-by the example ``value`` reaches."""
    if not isinstance(schema, dict):
        return
    for keyword in sorted(INSTANCE_KEYWORDS):
        if keyword in schema:
            yield keyword, schema[keyword], at
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from _rule_sites(sub, value[name], (*at, name))
    elif isinstance(value, list) and value:
        yield from _rule_sites(schema.get("items"), value[0], (*at, 0))


def _violations(schema: Any, body: bytes) -> list[tuple[str, bytes, str]]:
    """(check, violating body, field it must name), one per vendor rule the example reaches."""
    example = json.loads(body)
    out = []
    for keyword, rule, at in _rule_sites(schema, example):
        bad = copy.deepcopy(example)
        node = bad
        for part in at:
            node = node[part]
        if keyword == "x-after" and isinstance(node, dict):
            for later, earlier in rule.items():
                if earlier in node:
                    node[later] = node[earlier]  # equal: "after" is strict
                    out.append((f"vendor rule: x-after {later}", json.dumps(bad).encode(), later))
        elif keyword == "x-unique-by" and isinstance(node, list) and node:
            node.append(copy.deepcopy(node[0]))
            name = str(at[-1]) if at else "body"
            out.append((f"vendor rule: x-unique-by {rule}", json.dumps(bad).encode(), name))
    return out


def probes(target: Target, *, live: bool = False, read_only: bool = False) -> list[Probe]:
    """Every documented-behaviour probe for ``target``'s operations."""
    profile, doc = target.profile, target.doc
    schemes = doc.get("components", {}).get("securitySchemes", {})
    values = scheme_values(target, live)
    out: list[Probe] = []
    for path, item in doc.get("paths", {}).items():
        ops = {m: o for m, o in item.items() if m in _METHODS}
        for method, op in ops.items():
            if read_only and method != "get":
                continue
            op_id = op.get("operationId")
            url = _fill(path, [*item.get("parameters", []), *op.get("parameters", [])], doc)
            required = set().union(*[set(r) for r in op.get("security", doc.get("security", []))])
            good = dict(
                _scheme_header(schemes[s], values[s]) for s in sorted(required) if s in values
            )
            body = _json_body(op)
            if body is not None:
                good["content-type"] = "application/json"

            def probe(
                check: str,
                situation: str,
                op_id: str | None = op_id,
                method: str = method,
                url: str = url,
                good: dict[str, str] = good,
                body: bytes | None = body,
                **kw: Any,
            ) -> Probe:
                found = profile.situation(situation, op_id)
                return Probe(
                    target.name,
                    method.upper(),
                    url,
                    check,
                    found.status,
                    found.message,
                    **{"headers": dict(good), "content": body, **kw},
                )

            for rule in profile.auth:
                if rule.scheme not in required or rule.scheme not in schemes:
                    continue
                header, _ = _scheme_header(schemes[rule.scheme], "")
                without = {k: v for k, v in good.items() if k != header}
                missing = rule.missing or profile.situation("missing_credential", op_id)
                out.append(
                    Probe(
                        target.name,
                        method.upper(),
                        url,
                        f"auth: missing {header}",
                        missing.status,
                        missing.message,
                        without,
                        body,
                    )
                )
                if not rule.partition:
                    wrong = dict([_scheme_header(schemes[rule.scheme], WRONG_VALUE)])
                    out.append(
                        probe(f"auth: wrong {header}", "invalid_credential", headers=good | wrong)
                    )
            if body is not None:
                schema = resolve_refs(doc)["paths"][path][method]["requestBody"]["content"][
                    "application/json"
                ].get("schema")
                for check, bad, name in _violations(schema, body):
                    out.append(probe(check, "validation", content=bad, field=name))
                out.append(probe("envelope: malformed JSON", "malformed_body", content=b"{bad"))
                out.append(
                    probe(
                        "envelope: wrong Content-Type",
                        "unsupported_media_type",
                        headers=good | {"content-type": "text/plain"},
                    )
                )
        if read_only:
            continue
        unknown = next(m for m in _PROBE_METHODS if m.lower() not in ops)
        first_id = next(iter(ops.values())).get("operationId")
        found = profile.situation("method_not_allowed", first_id)
        out.append(
            Probe(
                target.name,
                unknown,
                _fill(
                    path,
                    [*item.get("parameters", []), *next(iter(ops.values())).get("parameters", [])],
                    doc,
                ),
                "envelope: unknown method (Allow)",
                found.status,
                found.message,
                allow=tuple(m.upper() for m in ops),
            )
        )
    return out


def judge(probe: Probe, status: int, headers: dict[str, str], text: str) -> list[str]:
    """Every departure of an answer from the documented one."""
    problems = []
    if status != probe.status:
        problems.append(f"status {status}, documented {probe.status}")
    if "{" not in probe.message and probe.message not in text:
        problems.append(f"body lacks the documented message {probe.message!r}: {text[:300]}")
    if probe.field and probe.field not in text:
        problems.append(f"body does not name the field {probe.field!r}: {text[:300]}")
    if probe.allow:
        allow = {m.strip().upper() for m in headers.get("allow", "").split(",") if m.strip()}
        if not set(probe.allow) <= allow:
            problems.append(f"Allow header {headers.get('allow')!r} lacks {list(probe.allow)}")
    return problems


def curl(probe: Probe, base_url: str, secrets: set[str]) -> str:
    """A curl replaying ``probe`` (real secrets masked, invented values as sent). Hand-built with
    shlex: schemathesis' own curl masks every auth header, invented wrong values included."""
    parts = ["curl", "-X", probe.method]
    for key, value in probe.headers.items():
        shown = value
        for secret in secrets:
            shown = shown.replace(secret, "[Filtered]")
        parts += ["-H", f"{key}: {shown}"]
    if probe.content is not None:
        parts += ["--data-binary", probe.content.decode("utf-8", "replace")]
    parts.append(base_url.rstrip("/") + probe.path)
    return " ".join(shlex.quote(p) for p in parts)
