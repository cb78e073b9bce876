"""The benchmark's cases: one request each, sent identically to every server.

A case names an API (a spec in ``specs/``) and a request relative to that spec's paths. Where it
is sent depends on the server: the mock serves each API under its profile's prefix, Prism serves
one spec per process at its root, the ceiling serves every case under ``/<case name>``.

Credentials come from ``specs/sandbox-credentials.yaml`` through the API's profile, the same way
the contract tests get theirs, so the cases need no edit when a profile or a key changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
PARTITION_VALUE = "bench"


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    api: str  # profile / credentials name, e.g. "zipteams"
    spec: str  # file in specs/
    method: str
    path: str  # as in the spec, path parameters filled in by `request`
    expect: int  # the status the mock must answer
    query: str = ""
    body: Any = None
    drop_schemes: tuple[str, ...] = ()  # security schemes deliberately not sent
    path_params: Mapping[str, str] = field(default_factory=dict)  # name -> credential field
    # Requests sent to the mock once before the load, so the answer has data in it:
    # (method, spec path, JSON body, how many times).
    setup: tuple[tuple[str, str, Any, int], ...] = ()


@dataclass(frozen=True)
class Request:
    """A case made concrete: what goes on the wire, bar the prefix."""

    method: str
    path: str  # spec path with parameters filled in
    query: str
    headers: Mapping[str, str]
    body: bytes
    setup: tuple[Request, ...] = ()

    def target(self, prefix: str) -> str:
        return f"{prefix}{self.path}" + (f"?{self.query}" if self.query else "")


def _call(index: int) -> dict[str, Any]:
    """One realistic batch item: the spec's `singleCall` example's shape, distinct ids.

    No ``callback_url``: the mock would deliver callbacks (a DNS lookup and an outbound
    connection per item), and the benchmark keeps every byte on 127.0.0.1.
    """
    return {
        "call": {
            "id": f"bench-call-{index:04d}",
            "recording_url": f"https://recordings.example.com/bench/{index:04d}.mp3",
            "start_time": "2024-05-01T09:00:00Z",
            "end_time": "2024-05-01T09:04:12Z",
            "contact_number": "+919812345678",
        },
        "agent": {"id": "agent-7", "email": "agent@example.com", "name": "Priya Sharma"},
        "customer": {
            "id": f"cust-{index:04d}",
            "name": "Jane Smith",
            "email": "customer@example.com",
            "disposition_status": "interested",
        },
        "metadata": {"campaign": "Q1 Outreach", "source": "Website"},
    }


def _invalid_call() -> dict[str, Any]:
    item = _call(0)
    item["call"]["id"] = ""  # "id should not be empty" (the docs' own validation example)
    item["call"]["end_time"] = "2024-05-01T08:00:00Z"  # before start_time (x-after, ZT-12)
    return item


BATCH = "/partner/ingest/batch-call"

CASES: tuple[Case, ...] = (
    Case(
        "zipteams-batch-1",
        "Zipteams: valid batch of 1 call",
        "zipteams",
        "zipteams.yaml",
        "POST",
        BATCH,
        200,
        body={"data": [_call(1)]},
    ),
    Case(
        "zipteams-batch-50",
        "Zipteams: valid batch of 50 calls",
        "zipteams",
        "zipteams.yaml",
        "POST",
        BATCH,
        200,
        body={"data": [_call(i) for i in range(1, 51)]},
    ),
    Case(
        "zipteams-invalid",
        "Zipteams: invalid batch (empty id, end before start)",
        "zipteams",
        "zipteams.yaml",
        "POST",
        BATCH,
        422,
        body={"data": [_invalid_call()]},
    ),
    Case(
        "zipteams-no-key",
        "Zipteams: missing x-api-key",
        "zipteams",
        "zipteams.yaml",
        "POST",
        BATCH,
        401,
        body={"data": [_call(1)]},
        drop_schemes=("ApiKey",),
    ),
    Case(
        "voice-list-calls",
        "Voice: GET /calls, a full page of 20 (25 calls placed first)",
        "voice",
        "voice.yaml",
        "GET",
        "/api/v1/calls",
        200,
        query="page=1&per_page=20",
        setup=(
            (
                "POST",
                "/api/v1/calls",
                {"phone_number": "03001234567", "audio_id": "550e8400-e29b-41d4-a716-446655440000"},
                25,
            ),
        ),
    ),
    Case(
        "360dialog-get-partner",
        "360dialog: GET partner",
        "360dialog",
        "360dialog.yaml",
        "GET",
        "/api/v2/partners/{partner_id}",
        200,
        path_params={"partner_id": "partner_id"},
    ),
)


class NotReady(Exception):
    """The case cannot be built yet (no profile, no sandbox credential)."""


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _path_example(doc: Mapping[str, Any], spec_path: str, name: str) -> str | None:
    """The spec's example for a path parameter (operation- or path-level, `$ref`s followed)."""
    item = doc.get("paths", {}).get(spec_path, {})
    params = list(item.get("parameters", []))
    for op in item.values():
        if isinstance(op, dict):
            params += op.get("parameters", [])
    for param in params:
        if "$ref" in param:
            node: Any = doc
            for part in param["$ref"].lstrip("#/").split("/"):
                node = node[part]
            param = node
        if param.get("name") == name and param.get("in") == "path":
            example = param.get("example", param.get("schema", {}).get("example"))
            return None if example is None else str(example)
    return None


def _auth_headers(case: Case, method: str, path: str) -> dict[str, str]:
    """The security headers the operation needs, from the profile's rules and the credentials."""
    profile_path = SPECS / "profiles" / f"{case.api}.yaml"
    if not profile_path.exists():
        raise NotReady(f"no profile specs/profiles/{case.api}.yaml")
    profile = _load(profile_path)
    doc = _load(SPECS / case.spec)
    creds = (_load(SPECS / "sandbox-credentials.yaml").get(case.api) or [{}])[0]
    schemes = doc.get("components", {}).get("securitySchemes", {})
    op = doc["paths"][path][method.lower()]
    wanted = {name for req in op.get("security", doc.get("security", [])) for name in req}
    headers: dict[str, str] = {}
    rules = {r["scheme"]: r for r in profile.get("auth", [])}
    for scheme_name in sorted(wanted):
        if scheme_name in case.drop_schemes:
            continue
        value = _credential_value(rules.get(scheme_name, {}), creds)
        if value is None:
            raise NotReady(f"no sandbox credential for {case.api} scheme {scheme_name}")
        scheme = schemes[scheme_name]
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            headers[scheme["name"]] = value
        elif scheme.get("type") in {"http", "oauth2", "openIdConnect"}:
            headers["Authorization"] = f"Bearer {value}"
        else:
            raise NotReady(f"scheme {scheme_name} ({scheme.get('in')}) is not supported here")
    return headers


def _json(body: Any, headers: dict[str, str]) -> bytes:
    if body is None:
        return b""
    headers["Content-Type"] = "application/json"
    return json.dumps(body, separators=(",", ":")).encode()


def build(case: Case) -> Request:
    """The concrete request: headers from the profile's auth rules and the sandbox credentials."""
    headers = _auth_headers(case, case.method, case.path)
    doc = _load(SPECS / case.spec)
    creds = (_load(SPECS / "sandbox-credentials.yaml").get(case.api) or [{}])[0]
    path = case.path
    for name, field_name in case.path_params.items():
        value = creds.get(field_name) or _path_example(doc, case.path, name)
        if value is None:
            raise NotReady(f"no value for path parameter {name}")
        path = path.replace("{" + name + "}", str(value))
    setup = []
    for method, setup_path, setup_body, times in case.setup:
        setup_headers = _auth_headers(case, method, setup_path)
        raw = _json(setup_body, setup_headers)
        setup += [Request(method, setup_path, "", setup_headers, raw)] * times
    body = _json(case.body, headers)
    return Request(case.method, path, case.query, headers, body, tuple(setup))


def _credential_value(rule: Mapping[str, Any], creds: Mapping[str, Any]) -> str | None:
    if rule.get("partition"):
        return PARTITION_VALUE
    field_name = rule.get("credential")
    if field_name and creds.get(field_name):
        return str(creds[field_name])
    prefix = (rule.get("bearer") or {}).get("key_prefix")
    if prefix:  # any sandbox value that looks like the partner's API key
        for value in creds.values():
            if isinstance(value, str) and value.startswith(prefix):
                return value
    return None
