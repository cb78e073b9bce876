"""The same suite against a live endpoint: ``make contract PARTNER=<name> BASE_URL=https://...``.

Read-only unless ``ALLOW_WRITES=1``; paced under the partner's documented rate limit;
credentials from ``CONTRACT_<PARTNER>_<SCHEME>`` environment variables (README, "Live
endpoints"). Without ``BASE_URL`` there is nothing to test, and the tests say so.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pytest
import schemathesis

from .documented import Answer, Probe, curl, judge, live_credentials, probes, rate_limit_probe, send
from .fuzzrun import Run, retry_seconds
from .ledger import LEDGER
from .stateful import StatefulRun, has_links, link_chains
from .suite import config
from .targets import Target, env_name, targets

SAFE_METHODS = ["GET", "HEAD", "OPTIONS"]


def _notation(limit: str) -> tuple[float, str]:
    """``120/minute`` -> (requests per second, schemathesis' ``120/m``)."""
    units = {"second": "s", "minute": "m", "hour": "h"}
    amount, _, unit = limit.partition("/")
    short = units[unit.rstrip("s")]
    return int(amount) / {"s": 1, "m": 60, "h": 3600}[short], f"{amount}/{short}"


def paces(target: Target, read_only: bool = False) -> tuple[str, dict[str, str]]:
    """The documented limits as paces: one for every operation a rule without ``operations``
    covers (the tightest such rule), and one per operation a rule names. Operations a
    read-only run does not send do not slow it down."""
    sent = {
        op.get("operationId"): method
        for item in target.doc.get("paths", {}).values()
        for method, op in item.items()
        if isinstance(op, dict) and (not read_only or method.upper() in SAFE_METHODS)
    }
    default: tuple[float, str] | None = None
    own: dict[str, tuple[float, str]] = {}
    for rule in target.profile.rate_limits:
        pace = _notation(rule.limit)
        if not rule.operations:
            default = min(default, pace) if default else pace
        for op_id in rule.operations:
            if op_id in sent:
                own[op_id] = min(own[op_id], pace) if op_id in own else pace
    return (default[1] if default else "10/s"), {k: v[1] for k, v in own.items()}


def pace(target: Target, read_only: bool = False) -> str:
    """The pace of an operation no rule names (README, "Pace")."""
    return paces(target, read_only)[0]


def seconds_per_request(rate: str) -> float:
    amount, _, unit = rate.partition("/")
    return {"s": 1, "m": 60, "h": 3600}[unit[:1]] / int(amount)


def live_target() -> Target | None:
    partner, base_url = os.environ.get("PARTNER"), os.environ.get("BASE_URL")
    if not partner or not base_url:
        return None
    target = next((t for t in targets() if t.name == partner), None)
    if target is None:
        raise SystemExit(
            f"PARTNER={partner!r}: no such partner (have {[t.name for t in targets()]})"
        )
    return target


def has_safe_operation(target: Target) -> bool:
    return any(
        method.upper() in SAFE_METHODS
        for item in target.doc.get("paths", {}).values()
        for method in item
    )


def rates(target: Target, read_only: bool) -> tuple[str, dict[str, str]]:
    """The paces of this run: CONTRACT_RATE_LIMIT overrides every documented one (e.g. for a
    sandbox with its own limit)."""
    override = os.environ.get("CONTRACT_RATE_LIMIT")
    return (override, {}) if override else paces(target, read_only)


def live_schema() -> Any:
    target = live_target()
    if target is None:
        return None
    base_url = os.environ["BASE_URL"]
    examples = int(os.environ.get("FUZZ_EXAMPLES", "10"))
    read_only = os.environ.get("ALLOW_WRITES") != "1"
    rate, own = rates(target, read_only)
    cfg = config(
        target,
        live=True,
        base_url=base_url,
        examples=examples,
        rate_limit=rate,
        operation_rates=own,
        read_only=read_only,
    )
    schema = schemathesis.openapi.from_path(str(target.profile.spec_path), config=cfg)
    if read_only:
        if not has_safe_operation(target):
            return "read-only"
        schema = schema.include(method=SAFE_METHODS)
    return schema


TARGET = live_target()
READ_ONLY = os.environ.get("ALLOW_WRITES") != "1"
RATE, OWN_RATES = rates(TARGET, READ_ONLY) if TARGET else ("10/s", {})
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


def rate_of(operation: str) -> str:
    """The pace of ``operation`` ("METHOD /path")."""
    if TARGET is None:
        return RATE
    method, _, path = operation.partition(" ")
    op = TARGET.doc.get("paths", {}).get(path, {}).get(method.lower(), {})
    return OWN_RATES.get(op.get("operationId", ""), RATE)


def budget(operation: str) -> int:
    """The time budget of the test that fuzzes ``operation``, from its pace: schemathesis sends
    a few requests per example (the coverage phase alone sends dozens per operation); allow 30
    per example plus a minute. An estimate (README, "Pace")."""
    return int(EXAMPLES * 30 * seconds_per_request(rate_of(operation))) + 60


def probe_budget(operation: str) -> int:
    """A documented check sends at most a few paced requests; a 429 is waited out 3 times."""
    return int(3 * (60 + 4 * seconds_per_request(rate_of(operation)))) + 30


SCHEMA = live_schema()
CREDENTIALS = live_credentials(TARGET, os.environ) if TARGET else None
# Every credential value taken from the environment, and the variable holding it: a curl shows
# "$CONTRACT_..." in its place (which key went where, runnable with the env set). Tenant ids
# (partition schemes) are not secrets, and masking a short one would garble curls.
SECRETS = {
    value: name
    for rule in (TARGET.profile.auth if TARGET else ())
    if not rule.partition
    for suffix in ("", "_OTHER", "_LIMITED", "_EXPIRED")
    if (
        value := os.environ.get(
            name := env_name(TARGET.name if TARGET else "", rule.scheme) + suffix
        )
    )
}
if TARGET:
    LEDGER.name = f"contract-{TARGET.name}"
    LEDGER.title = (
        f"Contract run: {TARGET.name} at {os.environ['BASE_URL']} "
        f"({'read-only' if READ_ONLY else 'writes allowed'}, {RATE})"
    )

if SCHEMA is None:

    @pytest.mark.skip(reason="no live URL given: set PARTNER and BASE_URL (make contract)")
    def test_live() -> None:
        """Placeholder, so the report says why nothing ran."""

elif SCHEMA == "read-only":

    @pytest.mark.skip(
        reason=f"{os.environ.get('PARTNER')} has no safe (GET/HEAD/OPTIONS) operation: "
        "a read-only run has nothing to send; set ALLOW_WRITES=1 to test its writes"
    )
    def test_live() -> None:
        """Placeholder, so the report says why nothing ran."""

else:
    assert TARGET is not None
    RUN = Run(TARGET.name, SCHEMA, LEDGER, SECRETS, wait_out_429=True)
    PAIRS = RUN.pairs()

    @pytest.mark.parametrize(
        ("operation", "check"),
        [pytest.param(o, c, marks=pytest.mark.timeout(budget(o))) for o, c in PAIRS],
        ids=[f"{TARGET.name} {o} · {c}" for o, c in PAIRS],
    )
    def test_live(operation: str, check: str) -> None:
        """Schemathesis over the operation (once, on its first check family), every failure
        of this family listed."""
        problems = RUN.verdict(operation, check)
        assert not problems, f"{operation} · {check}:\n- " + "\n- ".join(problems)


# The stateful run follows the specs' links (stateful.py): every link starts at a write (a
# create or an update), so it runs only with ALLOW_WRITES=1. Scenarios of up to 4 steps, half
# as many as examples per operation (at least 2): at a pace of 10/minute each step can take 6 s.
STATEFUL_STEPS = 4
STATEFUL_SCENARIOS = max(2, EXAMPLES // 2)
STATEFUL = (
    StatefulRun(
        TARGET.name,
        SCHEMA,
        LEDGER,
        SECRETS,
        wait_out_429=True,
        scenarios=STATEFUL_SCENARIOS,
        steps=STATEFUL_STEPS,
    )
    if TARGET and not READ_ONLY and SCHEMA not in (None, "read-only") and link_chains(SCHEMA)
    else None
)


def stateful_budget() -> int:
    """The time budget of the stateful test that runs the machines (the first one): every
    linked operation's scenarios, each step perhaps replayed (idempotent_replay), at the
    slowest pace of the run; plus a minute."""
    slowest = max(seconds_per_request(r) for r in (RATE, *OWN_RATES.values()))
    machines = len(STATEFUL.chains) // 2 if STATEFUL else 0  # a first step and a link each
    return int(machines * STATEFUL_SCENARIOS * STATEFUL_STEPS * 2 * slowest) + 60


if STATEFUL is not None:
    assert TARGET is not None
    FOLLOWED: StatefulRun = STATEFUL
    SPAIRS = FOLLOWED.pairs()

    @pytest.mark.timeout(stateful_budget())
    @pytest.mark.parametrize(
        ("chain", "check"), SPAIRS, ids=[f"{TARGET.name} stateful: {c} · {n}" for c, n in SPAIRS]
    )
    def test_live_stateful(chain: str, check: str) -> None:
        """The specs' links followed (once, on the first test), every failure of this chain
        and check family listed."""
        problems = FOLLOWED.verdict(chain, check)
        assert not problems, f"stateful: {chain} · {check}:\n- " + "\n- ".join(problems)

else:
    WHY_NOT = (
        "no live URL given: set PARTNER and BASE_URL"
        if TARGET is None
        else f"{TARGET.name}'s spec has no links to follow"
        if not has_links(TARGET.doc)
        else f"{TARGET.name}'s links start at writes: set ALLOW_WRITES=1 to follow them"
    )

    @pytest.mark.skip(reason=WHY_NOT)
    def test_live_stateful() -> None:  # type: ignore[misc]
        """Placeholder, so the report says why no link was followed."""


LIVE_PROBES = (
    probes(TARGET, live=True, read_only=READ_ONLY, credentials=CREDENTIALS) if TARGET else []
)


@pytest.fixture(scope="module")
def live_client() -> Any:
    with httpx.Client(base_url=os.environ["BASE_URL"].rstrip("/"), timeout=30) as client:
        yield client


def paced(client: Any, operation: str) -> Any:
    """A request function for documented.send: paced at the operation's pace; a 429 waited
    out and retried."""

    def request(method: str, path: str, headers: dict[str, str], content: bytes | None) -> Any:
        for _ in range(3):
            time.sleep(seconds_per_request(rate_of(operation)))
            response = client.request(method, path, headers=headers, content=content)
            if response.status_code != 429:
                break
            time.sleep(retry_seconds(response.headers.get("retry-after")))
        return response

    return request


def judged(probe: Probe, got: Answer) -> list[str]:
    """Every departure of ``got`` (recorded in the run report), with the replaying curl."""
    problems = judge(probe, got)
    check = probe.label
    replay = curl(got, os.environ["BASE_URL"], SECRETS)
    if problems:
        LEDGER.failed(
            probe.api, probe.operation, check, "departs from the docs", "\n".join(problems), replay
        )
    else:
        LEDGER.passed(probe.api, probe.operation, check)
    return [*problems, f"Reproduce:\n{replay}"] if problems else []


NOTHING_SAFE = (
    f"{os.environ.get('PARTNER')} has no safe (GET) operation: a read-only run has no "
    "documented check to send; set ALLOW_WRITES=1 to test its writes"
)


@pytest.mark.skipif(TARGET is None, reason="no live URL given: set PARTNER and BASE_URL")
@pytest.mark.parametrize(
    "probe",
    [pytest.param(p, marks=pytest.mark.timeout(probe_budget(p.operation))) for p in LIVE_PROBES]
    or [pytest.param(None, marks=pytest.mark.skip(reason=NOTHING_SAFE))],
    ids=[p.name for p in LIVE_PROBES] or ["nothing to send read-only"],
)
def test_live_documented(live_client: Any, probe: Probe) -> None:
    """The documented-behaviour checks (documented.py), paced; a 429 is waited out."""
    if probe.skip:
        pytest.skip(probe.skip)
    problems = judged(probe, send(probe, paced(live_client, probe.operation)))
    assert not problems, f"{probe.name}:\n- " + "\n- ".join(problems)


RATE_PROBE = rate_limit_probe(TARGET, CREDENTIALS, READ_ONLY) if TARGET and CREDENTIALS else None


@pytest.mark.skipif(TARGET is None, reason="no live URL given: set PARTNER and BASE_URL")
@pytest.mark.timeout(300)
def test_live_rate_limit(live_client: Any) -> None:
    """Opt-in (it spends the partner's quota): a burst past the tightest documented limit must
    answer the documented 429 with Retry-After; then the window is waited out."""
    if os.environ.get("CONTRACT_RATE_LIMIT_CHECK") != "1":
        pytest.skip("opt-in, it spends the partner's quota: set CONTRACT_RATE_LIMIT_CHECK=1")
    if RATE_PROBE is None:
        pytest.skip(
            "no operation a read-only run may send has a documented limit: set ALLOW_WRITES=1"
        )

    def burst(method: str, path: str, headers: dict[str, str], content: bytes | None) -> Any:
        return live_client.request(method, path, headers=headers, content=content)

    got = send(RATE_PROBE, burst)
    problems = judged(RATE_PROBE, got)
    if got.status == 429:  # leave the window as found, for whatever runs next
        retry = {k.lower(): v for k, v in got.headers.items()}.get("retry-after")
        time.sleep(retry_seconds(retry))
    assert not problems, f"{RATE_PROBE.name}:\n- " + "\n- ".join(problems)
