"""The documented-behaviour checks (documented.py) against the unmodified mock, in-process.

One test case per operation and check, named like a checklist line.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from mock_server.app import build_app
from mock_server.config import Config
from mock_server.runtime import build_runtime

from .documented import Probe, curl, judge, probes
from .targets import targets

TARGETS = targets()
PROBES = [p for t in TARGETS for p in probes(t)]
PREFIX = {t.name: t.profile.prefix for t in TARGETS}


def run(client: TestClient, probe: Probe, prefix: str) -> list[str]:
    response = client.request(
        probe.method, prefix + probe.path, headers=probe.headers, content=probe.content
    )
    return judge(probe, response.status_code, dict(response.headers), response.text)


@pytest.fixture(scope="module")
def client() -> TestClient:
    runtime = build_runtime(Config(jwt_secret="documented", rate_limits=False))
    return TestClient(build_app(runtime), raise_server_exceptions=False)


@pytest.mark.parametrize("probe", PROBES, ids=[p.name for p in PROBES])
def test_documented(client: TestClient, probe: Probe) -> None:
    problems = run(client, probe, PREFIX[probe.api])
    replay = curl(probe, "http://127.0.0.1:8080" + PREFIX[probe.api], set())
    assert not problems, f"{probe.name}:\n- " + "\n- ".join(problems) + f"\nReproduce: {replay}"


def test_every_api_has_auth_and_envelope_probes() -> None:
    for target in TARGETS:
        checks = {p.check.split(":")[0] for p in PROBES if p.api == target.name}
        assert {"auth", "envelope"} <= checks, (target.name, checks)
