"""Fuzz every operation of every spec against the mock, in-process, with every check on.

One test case per operation and check family (``zipteams POST /partner/ingest/batch-call ·
fuzz: response matches schema``); each operation is fuzzed once, every failure kept
(fuzzrun.py) and written to the run report (ledger.py). Plus a stateful test where a spec's
``links`` chain resources.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from mock_server.app import build_app
from mock_server.config import Config
from mock_server.runtime import build_runtime

from .fuzzrun import Run
from .ledger import LEDGER
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


RUNS = {t.name: Run(t.name, asgi_schema(t, APP), LEDGER) for t in TARGETS}
PAIRS = [(api, label, name) for api, run in RUNS.items() for label, name in run.pairs()]


@pytest.mark.parametrize(
    ("api", "operation", "check"), PAIRS, ids=[f"{a} {o} · {c}" for a, o, c in PAIRS]
)
def test_fuzz(api: str, operation: str, check: str) -> None:
    problems = RUNS[api].verdict(operation, check)
    assert not problems, f"{api} {operation} · {check}:\n- " + "\n- ".join(problems)


for _target in TARGETS:
    _schema = RUNS[_target.name].schema
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
