"""Fuzz every operation of every spec against the mock, in-process, with every check on.

One test case per operation and check family (``zipteams POST /partner/ingest/batch-call ·
fuzz: response matches schema``); each operation is fuzzed once, every failure kept
(fuzzrun.py) and written to the run report (ledger.py). Where a spec's ``links`` chain
resources, one stateful run per API follows them (stateful.py): one test case per chain and check
family (``voice stateful: POST /api/v1/campaigns → GetCampaignById → GET
/api/v1/campaigns/{campaign_id} · resource lifecycle``), every failure kept and reported too.
"""

from __future__ import annotations

import pytest

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.world.runtime import build_runtime

from .fuzzrun import Run
from .ledger import LEDGER
from .stateful import StatefulRun, link_chains
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


STATEFUL = {
    api: StatefulRun(api, run.schema, LEDGER, scenarios=10, steps=8)
    for api, run in RUNS.items()
    if link_chains(run.schema)
}
CHAINS = [(api, chain, name) for api, run in STATEFUL.items() for chain, name in run.pairs()]


@pytest.mark.parametrize(
    ("api", "chain", "check"), CHAINS, ids=[f"{a} stateful: {c} · {n}" for a, c, n in CHAINS]
)
def test_stateful(api: str, chain: str, check: str) -> None:
    """The specs' links followed (one run per API), every failure of this chain and family."""
    problems = STATEFUL[api].verdict(chain, check)
    assert not problems, f"{api} stateful: {chain} · {check}:\n- " + "\n- ".join(problems)
