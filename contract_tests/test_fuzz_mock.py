"""Fuzz every operation of every spec against the mock, in-process, with every check on.

One parametrized test per partner API (so JUnit names each operation), plus a stateful test
where a spec's ``links`` chain resources.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from mock_server.app import build_app
from mock_server.config import Config
from mock_server.runtime import build_runtime

from .suite import asgi_schema
from .targets import targets

TARGETS = targets()
# Documented rate limits would throttle the fuzzer within seconds; they are exercised by the
# behaviour tests (tests/mock) instead, so here every limit is raised far out of reach.
RUNTIME = build_runtime(
    Config(
        jwt_secret="contract-tests",
        rate_limit_overrides={t.name: "1000000/second" for t in TARGETS},
    )
)
APP = build_app(RUNTIME)


def _make_test(schema: Any) -> Any:
    @schema.parametrize()
    @settings(suppress_health_check=list(HealthCheck), deadline=None)
    def test(case: Any) -> None:
        case.call_and_validate()

    return test


for _target in TARGETS:
    _schema = asgi_schema(_target, APP)
    globals()[f"test_fuzz_{_target.name}"] = _make_test(_schema)
    if any(
        "links" in r
        for p in _target.doc.get("paths", {}).values()
        for o in p.values()
        if isinstance(o, dict)
        for r in o.get("responses", {}).values()
        if isinstance(r, dict)
    ):
        _machine = _schema.as_state_machine()
        _machine.TestCase.settings = settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            stateful_step_count=8,
        )
        globals()[f"TestStateful_{_target.name}"] = _machine.TestCase
