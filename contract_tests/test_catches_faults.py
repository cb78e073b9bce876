"""The fuzzing catches a broken mock: plant a fault in a copy, expect a failure and a curl.

Each fault is an ASGI wrapper around a fresh mock that spoils one thing the specs promise.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.world.runtime import build_runtime

from .suite import asgi_schema
from .targets import targets

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
Spoil = Callable[[dict[str, Any], bytes], tuple[dict[str, Any], bytes]]


class Faulty:
    """Let ``spoil`` rewrite every response (start message and whole body) of ``app``."""

    def __init__(self, app: ASGIApp, spoil: Any) -> None:
        self.app, self.spoil = app, spoil

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith("/openapi.json"):
            await self.app(scope, receive, send)  # the spec itself is served unspoiled
            return
        start: dict[str, Any] = {}
        body = bytearray()
        request = bytearray()

        async def read() -> Message:
            message = await receive()
            request.extend(message.get("body", b""))
            return message

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                args = (dict(start), bytes(body))
                if self.spoil.__code__.co_argcount == 3:  # a spoil that looks at the request
                    args += (bytes(request),)
                new_start, new_body = self.spoil(*args)
                headers = [
                    (k, v) for k, v in new_start["headers"] if k.lower() != b"content-length"
                ]
                headers.append((b"content-length", str(len(new_body)).encode()))
                await send({**new_start, "headers": headers})
                await send({"type": "http.response.body", "body": new_body})

        await self.app(scope, read, capture)


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


def accepts_bad_token(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 401 and b"Invalid or expired token." in body:  # the voice API's
        start["status"] = 200
        return start, b'{"balance": 100.0, "currency": "PKR"}'
    return start, body


def ignores_scopes(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 403 and b"AUTH_INVALID_SCOPE" in body:  # Ziett's
        start["status"] = 201
        return start, b'{"id": "m1", "status": "queued"}'
    return start, body


def foreign_readable(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 404 and b"not found" in body.lower():
        start["status"] = 200
        return start, b'{"id": "someone-elses"}'
    return start, body


def ignores_csv_rows(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 422 and b"csv_file" in body:
        start["status"] = 201
        return start, b'{"id": "c1", "status": "PENDING"}'
    return start, body


def non_utf8_500(
    start: dict[str, Any], body: bytes, request: bytes
) -> tuple[dict[str, Any], bytes]:
    """A server whose JSON parser crashes on bytes that are not UTF-8 (valid JSON is fine)."""
    try:
        request.decode("utf-8")
    except UnicodeDecodeError:
        if start["status"] == 400:
            start["status"] = 500
            start["headers"] = [(b"content-type", b"text/plain")]
            return start, b"UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"
    return start, body


def no_retry_after(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"retry-after"]
    return start, body


def never_429(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] == 429:
        start["status"] = 200
        return start, b"{}"
    return start, body


@functools.cache  # several planted-fault cases share a spoiled mock: each is probed once
def documented_failures(
    spoil: Any, *, rate_limits: bool = False, api: str | None = None
) -> dict[str, list[str]]:
    """Run every documented probe of every API (or of ``api``) against a spoiled mock: name ->
    problems. With ``rate_limits`` the rate-limit probes instead (against documented limits)."""
    from .test_documented_mock import PROBES, RATE_PROBES, mock_client, run

    client = mock_client(rate_limits=rate_limits, app=lambda app: Faulty(app, spoil))
    failures = {}
    for probe in RATE_PROBES if rate_limits else PROBES:
        if api is not None and probe.api != api:
            continue
        if rate_limits:  # each burst against fresh windows
            client = mock_client(rate_limits=True, app=lambda app: Faulty(app, spoil))
        problems = [] if probe.skip else run(client, probe)
        if problems:
            failures[probe.name] = problems
    return failures


@pytest.mark.parametrize(
    ("spoil", "flagged"),
    [
        (accepts_wrong_key, "zipteams POST /partner/ingest/batch-call · auth: wrong x-api-key"),
        (tenant_401, "zipteams POST /partner/ingest/batch-call · auth: missing x-tenant-id"),
        (ignores_vendor_rules, "zipteams POST /partner/ingest/batch-call · vendor rule: x-after"),
        (ignores_vendor_rules, "zipteams POST /partner/ingest/batch-call · vendor rule: x-unique"),
        (ignores_csv_rows, "voice POST /api/v1/campaigns · vendor rule: x-csv-rows a row"),
        (ignores_csv_rows, "voice POST /api/v1/campaigns · vendor rule: x-csv-rows no rows"),
        (ignores_csv_rows, "voice POST /api/v1/campaigns · vendor rule: x-csv-rows not UTF-8"),
        (wrong_envelope, "ziett POST /c/v1/messages · envelope: malformed JSON"),
        (non_utf8_500, "ziett POST /c/v1/messages · envelope: non-UTF-8 body"),
        (
            no_allow,
            "360dialog DELETE /api/v2/partners/examplePA · envelope: unknown method (Allow)",
        ),
        (accepts_bad_token, "voice GET /api/v1/balance · auth: forged token"),
        (accepts_bad_token, "voice GET /api/v1/balance · auth: expired token"),
        (ignores_scopes, "ziett POST /c/v1/messages · auth: missing scope messages:send"),
        (
            foreign_readable,
            "360dialog GET /api/v2/partners/examplePA · isolation: another credential's",
        ),
        (foreign_readable, "voice GET /api/v1/campaigns/{id} · isolation: another credential's"),
    ],
    ids=[
        "wrong-key-accepted",
        "tenant-401-not-400",
        "end-before-start-accepted",
        "duplicate-ids-accepted",
        "csv-bad-row-accepted",
        "csv-no-rows-accepted",
        "csv-not-utf8-accepted",
        "error-outside-envelope",
        "non-utf8-body-500",
        "405-without-allow",
        "forged-token-accepted",
        "expired-token-accepted",
        "scope-ignored",
        "foreign-partner-readable",
        "foreign-campaign-readable",
    ],
)
def test_documented_checks_flag_planted_fault(spoil: Any, flagged: str) -> None:
    failures = documented_failures(spoil, api=flagged.split()[0])
    assert any(name.startswith(flagged) for name in failures), sorted(failures)


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [(no_retry_after, "without a Retry-After"), (never_429, "and no 429")],
    ids=["429-without-retry-after", "limit-never-enforced"],
)
def test_rate_limit_check_flags_planted_fault(spoil: Spoil, problem: str) -> None:
    failures = documented_failures(spoil, rate_limits=True)
    flagged = [n for n, p in failures.items() if any(problem in x for x in p)]
    assert any("rate limit: too many requests" in n for n in flagged), failures
    assert len(failures) == 4, sorted(failures)  # every API's burst
    if spoil is never_429:  # only that: no "429 without a Retry-After" when no 429 came
        assert all(len(p) == 1 for p in failures.values()), failures


def test_unspoiled_mock_passes_every_documented_check() -> None:
    assert documented_failures(lambda s, b: (s, b)) == {}
    assert documented_failures(lambda s, b: (s, b), rate_limits=True) == {}


def ignores_auth(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    if start["status"] in (401, 403):
        start["status"] = 200
        return start, b'{"balance": 100.0, "currency": "PKR"}'
    return start, body


def voice_balance_run(spoil: Spoil, secrets: Mapping[str, str] | None = None) -> Any:
    from .fuzzrun import Run

    target = next(t for t in targets() if t.name == "voice")
    runtime = build_runtime(Config(jwt_secret="faults", rate_limits=False))
    return target, Run(
        "voice", asgi_schema(target, Faulty(build_app(runtime), spoil)), None, secrets
    )


def test_fuzzing_lists_every_failure_by_check_family_with_curl() -> None:
    """Two faults in one operation: both check families fail, each with its findings and a
    curl; an unrelated family still passes (the run did not stop at the first failure)."""

    def two_faults(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        return ignores_auth(*missing_header(start, body))

    target, run = voice_balance_run(two_faults)
    label = "GET /api/v1/balance"
    ignored = run.verdict(label, "fuzz: auth not ignored")
    headers = run.verdict(label, "fuzz: documented response headers")
    assert ignored and headers, (ignored, headers)
    assert run.verdict(label, "fuzz: no server error") == []
    assert all("Reproduce: curl" in p for p in ignored + headers), ignored + headers
    # the credentials are shown as sent (sandbox values), not as schemathesis' "[Filtered]"
    curls = [f.curl for found in run.result(label).findings.values() for f in found]
    key = str(target.credential["api_key"])
    assert any(f"Authorization: Bearer {key}" in c for c in curls), curls
    assert not any("[Filtered]" in c for c in curls), curls


def test_fuzzing_counts_a_check_that_never_applied_as_not_run() -> None:
    def untouched(start: dict[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
        return start, body

    _, run = voice_balance_run(untouched)  # rate limits off: no 429 is ever answered
    found = run.result("GET /api/v1/balance")
    assert found.cases > 0
    retry = "fuzz: Retry-After on 429"
    assert found.held[retry] == 0 and found.not_run[retry] > 0, (found.held, found.not_run)
    assert run.verdict("GET /api/v1/balance", retry) == []  # not run is not a failure
    unknown = "fuzz: unknown method: 405 + Allow"
    assert found.held[unknown] < found.held["fuzz: request answered"], found.held


def test_fuzzing_masks_real_secrets_in_the_curl() -> None:
    target = next(t for t in targets() if t.name == "voice")
    key = str(target.credential["api_key"])
    _, run = voice_balance_run(missing_header, secrets={key: "CONTRACT_VOICE_BEARERAUTH"})
    found = run.result("GET /api/v1/balance").findings["fuzz: documented response headers"]
    curls = [f.curl for f in found]
    assert curls and all(key not in c for c in curls), curls
    assert any("'Authorization: Bearer '\"$CONTRACT_VOICE_BEARERAUTH\"" in c for c in curls), curls


class ForgetsCreated:
    """A server that creates resources but cannot read them back: every read of one item under
    ``collection`` answers as if the id were unknown (the mock's own documented 404). Fuzzing an
    operation alone sees only a documented 404 for an id it made up; only following the link
    from the create to the read shows that a resource just created is gone."""

    def __init__(self, app: ASGIApp, collection: str) -> None:
        self.app, self.collection = app, collection.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and path.startswith(self.collection)
        ):
            path = self.collection + "contract-forgotten"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


def test_stateful_run_lists_every_failure_of_a_chain_with_its_curls() -> None:
    """Two faults in one stateful run: a created campaign is not readable via its link (only a
    stateful run can see it) and a documented header is missing. Both are listed, each with the
    curls that replay the chain; the run did not stop at the first."""
    from .ledger import Ledger, markdown
    from .stateful import StatefulRun

    target = next(t for t in targets() if t.name == "voice")
    runtime = build_runtime(Config(jwt_secret="faults", rate_limits=False))
    app = ForgetsCreated(Faulty(build_app(runtime), missing_header), "/voice/api/v1/campaigns")
    ledger = Ledger()
    run = StatefulRun("voice", asgi_schema(target, app), ledger, scenarios=10, steps=6)
    chain = "POST /api/v1/campaigns → GetCampaignById → GET /api/v1/campaigns/{campaign_id}"
    assert chain in run.chains, run.chains
    gone = run.verdict(chain, "resource lifecycle")
    headers = run.verdict(chain, "documented response headers")
    assert any("ensure_resource_availability" in p for p in gone), gone
    assert any("response_headers_conformance" in p for p in headers), headers
    assert run.verdict(chain, "no server error") == []  # an unrelated family still held
    for problem in gone:  # the curl replays the chain: the create, then the read
        replay = problem.split("Reproduce: ", 1)[1].splitlines()
        assert replay[0].startswith("curl -X POST"), replay
        assert replay[0].endswith("/voice/api/v1/campaigns"), replay
        assert replay[-1].startswith("curl -X GET"), replay
        assert "/voice/api/v1/campaigns/" in replay[-1], replay
    report = markdown(ledger)
    heading = f"## voice stateful: {chain} · "
    assert heading + "resource lifecycle" in report, report
    assert heading + "documented response headers" in report, report


def test_a_forgotten_resource_is_invisible_to_fuzzing_one_operation() -> None:
    """The control for the fault above: fuzzing the read alone finds nothing wrong (every id it
    sends is one it made up, and a documented 404 is right for those)."""
    from .fuzzrun import fuzz

    target = next(t for t in targets() if t.name == "voice")
    runtime = build_runtime(Config(jwt_secret="faults", rate_limits=False))
    schema = asgi_schema(target, ForgetsCreated(build_app(runtime), "/voice/api/v1/campaigns"))
    found = fuzz(schema, schema["/api/v1/campaigns/{campaign_id}"]["GET"])
    assert found.cases and found.findings == {}, found.findings
