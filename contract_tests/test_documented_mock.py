"""The documented-behaviour checks (documented.py) against the unmodified mock, in-process.

One test case per operation and check, named like a checklist line; each result goes to the
run report (ledger.py). The rate-limit check runs here against a mock with its documented
limits on (live it is opt-in: it spends the partner's quota).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.world.runtime import build_runtime

from .documented import (
    Answer,
    Probe,
    curl,
    judge,
    probes,
    rate_limit_probe,
    sandbox_credentials,
    send,
)
from .ledger import LEDGER, Ledger
from .targets import targets

JWT_SECRET = "documented-checks-jwt-secret-32bytes"
TARGETS = targets()
CREDENTIALS = {t.name: sandbox_credentials(t, JWT_SECRET) for t in TARGETS}
PROBES = [p for t in TARGETS for p in probes(t, credentials=CREDENTIALS[t.name])]
RATE_PROBES = [
    p for t in TARGETS if (p := rate_limit_probe(t, CREDENTIALS[t.name], read_only=False))
]
PREFIX = {t.name: t.profile.prefix for t in TARGETS}
BASE = "http://127.0.0.1:8080"  # where `make mock` serves: the curl replays against it


def mock_client(*, rate_limits: bool = False, app: Any = None) -> TestClient:
    runtime = build_runtime(Config(jwt_secret=JWT_SECRET, rate_limits=rate_limits))
    return TestClient(
        app(build_app(runtime)) if app else build_app(runtime), raise_server_exceptions=False
    )


def answer(client: TestClient, probe: Probe) -> Answer:
    prefix = PREFIX[probe.api]

    def request(method: str, path: str, headers: dict[str, str], content: bytes | None) -> Any:
        return client.request(method, prefix + path, headers=headers, content=content)

    return send(probe, request)


def run(client: TestClient, probe: Probe, ledger: Ledger | None = None) -> list[str]:
    """Every departure of the mock's answer to ``probe``; recorded in ``ledger`` if given."""
    got = answer(client, probe)
    problems = judge(probe, got)
    if ledger is not None:
        check = probe.label
        replay = curl(got, BASE + PREFIX[probe.api], {})
        if problems:
            ledger.failed(
                probe.api,
                probe.operation,
                check,
                "departs from the docs",
                "\n".join(problems),
                replay,
            )
        else:
            ledger.passed(probe.api, probe.operation, check)
    return problems


@pytest.fixture(scope="module")
def client() -> TestClient:
    return mock_client()


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_documented(client: TestClient, probe: Probe) -> None:
    if probe.skip:
        pytest.skip(probe.skip)
    problems = run(client, probe, LEDGER)
    replay = curl(probe, BASE + PREFIX[probe.api], {})
    assert not problems, f"{probe.name}:\n- " + "\n- ".join(problems) + f"\nReproduce:\n{replay}"


@pytest.mark.parametrize("probe", RATE_PROBES, ids=[p.name for p in RATE_PROBES])
def test_documented_rate_limit(probe: Probe) -> None:
    problems = run(mock_client(rate_limits=True), probe, LEDGER)
    assert not problems, f"{probe.name}:\n- " + "\n- ".join(problems)


def test_every_api_has_auth_and_envelope_probes() -> None:
    for target in TARGETS:
        checks = {p.check.split(":")[0] for p in PROBES if p.api == target.name}
        assert {"auth", "envelope"} <= checks, (target.name, checks)


def test_every_new_category_is_probed_in_process() -> None:
    """Each category of issue 9 has at least one probe that runs (none skipped in-process)."""
    checks = {p.check for p in PROBES if not p.skip}
    for wanted in (
        "auth: forged token",
        "auth: expired token",
        "auth: missing scope",
        "isolation: another credential's resource",
        "envelope: non-UTF-8 body",
        "vendor rule: x-csv-rows",
    ):
        assert any(c.startswith(wanted) for c in checks), (wanted, sorted(checks))
    assert {p.api for p in RATE_PROBES} == {t.name for t in TARGETS}
    assert not [p.name for p in PROBES if p.skip]


def test_a_skipped_scope_check_names_only_the_input_it_lacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ziett live, with the README's CONTRACT_ZIETT_APIKEYAUTH_LIMITED given: the /v1 scope
    check still lacks a limited OAuth2 token, and its skip must say so, not "APIKEYAUTH or
    OAUTH2" (the input the user already gave)."""
    from .documented import live_credentials
    from .targets import env_name

    ziett = next(t for t in targets() if t.name == "ziett")
    key, oauth = (env_name("ziett", s) for s in ("ApiKeyAuth", "OAuth2"))
    for name, value in {key: "k", oauth: "t", f"{key}_LIMITED": "limited"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(f"{key}_LIMITED_SCOPES", "messages:read campaigns:read")
    creds = live_credentials(ziett, os.environ)
    skips = [p.skip for p in probes(ziett, live=True, read_only=True, credentials=creds) if p.skip]
    scope_skips = [s for s in skips if "fewer scopes" in s]
    assert scope_skips, skips
    for skip in scope_skips:
        assert f"{oauth} with the suffix _LIMITED" in skip and key not in skip, skip


def test_a_read_only_run_skips_what_it_cannot_send_by_name_never_drops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the second credential and a key with the read scopes (the README's example), a
    read-only live run dropped the isolation checks of created resources and the GETs' scope
    checks from the run altogether; each is now a skip naming what it needs."""
    from .documented import live_credentials
    from .targets import env_name

    voice, ziett = (next(t for t in targets() if t.name == n) for n in ("voice", "ziett"))
    bearer = env_name("voice", "BearerAuth")
    key, oauth = (env_name("ziett", s) for s in ("ApiKeyAuth", "OAuth2"))
    for name in (bearer, f"{bearer}_OTHER", key, oauth, f"{key}_OTHER", f"{key}_LIMITED"):
        monkeypatch.setenv(name, "v")
    monkeypatch.setenv(f"{key}_LIMITED_SCOPES", "messages:read campaigns:read")
    for target in (voice, ziett):
        creds = live_credentials(target, os.environ)
        read_only = probes(target, live=True, read_only=True, credentials=creds)
        isolation = [p for p in read_only if p.check.startswith("isolation")]
        assert isolation, [p.name for p in read_only]
        created = [p for p in isolation if p.skip]
        assert created and all("ALLOW_WRITES=1" in str(p.skip) for p in created), created
        writes = probes(target, live=True, read_only=False, credentials=creds)
        assert not [p for p in writes if p.check.startswith("isolation") and p.skip]
    scope = [p for p in probes(ziett, live=True, read_only=True, credentials=creds)
             if p.check == "auth: missing scope" and p.path.startswith("/c/v1")]  # fmt: skip
    assert scope and all("lacking one of" in str(p.skip) for p in scope), scope


def test_a_wrong_main_credential_fails_the_run_instead_of_passing_on_refusals() -> None:
    """A live run given a wrong (or expired) key saw only refusals, and every check held: "auth
    not ignored" and "valid request accepted" allow 401/403. Each GET operation now checks that
    the credentials given are accepted; with a wrong key that check fails, naming the refusal."""
    from dataclasses import replace as with_

    client = mock_client()
    failed: dict[str, list[str]] = {}
    for target in TARGETS:
        good = CREDENTIALS[target.name]
        wrong = with_(good, main={s: "contract-mistyped" for s in good.main})
        mine = [p for p in probes(target, credentials=wrong) if p.refusals]
        if target.name == "zipteams":
            assert mine == []  # no GET operation: nothing is sent only to check the key
            continue
        assert mine, target.name
        for probe in mine:
            assert probe.method == "GET" and "→" not in probe.name, probe.name
            failed[probe.name] = run(client, probe)
        accepted = [p for p in probes(target, credentials=good) if p.refusals]
        assert [run(client, p) for p in accepted] == [[] for _ in accepted]
    assert failed and all(
        problems and "credentials given were refused" in problems[0] for problems in failed.values()
    ), failed
