"""The fuzzing catches a broken mock: plant a fault in a copy, expect a failure and a curl.

Each fault is an ASGI wrapper around a fresh mock that spoils one thing the specs promise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.app import build_app
from mock_server.config import Config
from mock_server.runtime import build_runtime

from .suite import asgi_schema
from .targets import targets

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
Spoil = Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]


class Faulty:
    """Let ``spoil`` rewrite every response (start message and whole body) of ``app``."""

    def __init__(self, app: ASGIApp, spoil: Spoil) -> None:
        self.app, self.spoil = app, spoil

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith("/openapi.json"):
            await self.app(scope, receive, send)  # the spec itself is served unspoiled
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                new_start, new_body = self.spoil(dict(start), bytes(body))
                headers = [
                    (k, v) for k, v in new_start["headers"] if k.lower() != b"content-length"
                ]
                headers.append((b"content-length", str(len(new_body)).encode()))
                await send({**new_start, "headers": headers})
                await send({"type": "http.response.body", "body": new_body})

        await self.app(scope, receive, capture)


def wrong_envelope(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] >= 400:
        return start, json.dumps({"error": "something went wrong"}).encode()
    return start, body


def missing_header(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    start["headers"] = [
        (k, v) for k, v in start["headers"] if k.lower() != b"x-ratelimit-remaining"
    ]
    return start, body


def server_error(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] < 300:
        start["status"] = 500
        start["headers"] = [(b"content-type", b"text/plain")]
        return start, b"Traceback (most recent call last): ..."
    return start, body


def fuzz_operation(api: str, path: str, method: str, spoil: Spoil, mode: GenerationMode) -> None:
    """Fuzz one operation of a (possibly spoiled) mock with every check on."""
    target = next(t for t in targets() if t.name == api)
    runtime = build_runtime(Config(jwt_secret="faults", rate_limits=False))
    schema = asgi_schema(target, Faulty(build_app(runtime), spoil), examples=20)
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate()

    fuzz()


@pytest.mark.parametrize(
    ("api", "path", "method", "spoil", "mode", "expected"),
    [
        (
            "zipteams",
            "/partner/ingest/batch-call",
            "POST",
            wrong_envelope,
            NEGATIVE,
            "error envelope",
        ),
        (
            "voice",
            "/api/v1/balance",
            "GET",
            missing_header,
            POSITIVE,
            "Missing required response headers",
        ),
        ("zipteams", "/partner/ingest/batch-call", "POST", server_error, POSITIVE, "Server error"),
    ],
    ids=["wrong-envelope", "missing-documented-header", "server-error"],
)
def test_fuzzing_catches_planted_fault_and_prints_replay(
    api: str, path: str, method: str, spoil: Spoil, mode: GenerationMode, expected: str
) -> None:
    with pytest.raises(FailureGroup) as caught:
        fuzz_operation(api, path, method, spoil, mode)
    report = str(caught.value)
    assert expected in report, report
    assert "Reproduce with:" in report and "curl -X " + method in report, report


@pytest.mark.parametrize("mode", [POSITIVE, NEGATIVE])
def test_unspoiled_mock_passes_the_same_fuzzing(mode: GenerationMode) -> None:
    """The control: without a fault the same runs raise nothing, so the faults above matter."""
    fuzz_operation("zipteams", "/partner/ingest/batch-call", "POST", lambda s, b: (s, b), mode)
    fuzz_operation("voice", "/api/v1/balance", "GET", lambda s, b: (s, b), mode)


# Planted faults for the documented-behaviour checks (documented.py): each is flagged by name.


def accepts_wrong_key(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 403:  # Zipteams' documented "Forbidden" for a wrong key
        start["status"] = 200
        return start, b'{"success": true}'
    return start, body


def tenant_401(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 400 and b"Tenant ID is required" in body:
        start["status"] = 401
        return start, b'{"success": false, "message": "Unauthorized"}'
    return start, body


def ignores_vendor_rules(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 422 and (b"must be after" in body or b"must be unique" in body):
        start["status"] = 200
        return start, b'{"success": true}'
    return start, body


def no_allow(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"allow"]
    return start, body


def documented_failures(spoil: Spoil) -> dict[str, list[str]]:
    """Run every documented probe of every API against a spoiled mock: name -> problems."""
    from starlette.testclient import TestClient

    from .documented import probes
    from .test_documented_mock import run

    runtime = build_runtime(Config(jwt_secret="faults", rate_limits=False))
    client = TestClient(Faulty(build_app(runtime), spoil), raise_server_exceptions=False)
    failures = {}
    for target in targets():
        for probe in probes(target):
            problems = run(client, probe, target.profile.prefix)
            if problems:
                failures[probe.name] = problems
    return failures


@pytest.mark.parametrize(
    ("spoil", "flagged"),
    [
        (accepts_wrong_key, "zipteams POST /partner/ingest/batch-call | auth: wrong x-api-key"),
        (tenant_401, "zipteams POST /partner/ingest/batch-call | auth: missing x-tenant-id"),
        (ignores_vendor_rules, "zipteams POST /partner/ingest/batch-call | vendor rule: x-after"),
        (ignores_vendor_rules, "zipteams POST /partner/ingest/batch-call | vendor rule: x-unique"),
        (wrong_envelope, "ziett POST /c/v1/messages | envelope: malformed JSON"),
        (
            no_allow,
            "360dialog DELETE /api/v2/partners/examplePA | envelope: unknown method (Allow)",
        ),
    ],
    ids=[
        "wrong-key-accepted",
        "tenant-401-not-400",
        "end-before-start-accepted",
        "duplicate-ids-accepted",
        "error-outside-envelope",
        "405-without-allow",
    ],
)
def test_documented_checks_flag_planted_fault(spoil: Spoil, flagged: str) -> None:
    failures = documented_failures(spoil)
    assert any(name.startswith(flagged) for name in failures), sorted(failures)


def test_unspoiled_mock_passes_every_documented_check() -> None:
    assert documented_failures(lambda s, b: (s, b)) == {}
