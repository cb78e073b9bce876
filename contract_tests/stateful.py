"""Stateful runs over the specs' ``links``, every check failure kept (issue 9, items 2, 3, 5).

Schemathesis' state machine (``schema.as_state_machine()``) validates each step with
``APIStateMachine.validate_response``, which raises the step's ``FailureGroup``: Hypothesis then
stops the scenario, shrinks it and reports that one failure. Schemathesis documents overriding
``validate_response`` (and ``call``) on the machine class, and its own report writers capture
check results through the schema's ``after_validate`` hook; no setting makes the state machine
continue past a failure (``continue-on-failure`` is read by the CLI engine only). So the
machine here is a subclass: ``validate_response`` swallows the ``FailureGroup`` after the
``after_validate`` hook has recorded every check's result (as fuzzrun.py does for one
operation), ``call`` waits a 429 out, a request that gets no answer is recorded instead of
raised, and every scenario runs to its end.

Each step belongs to a chain: the link it followed (``POST /a → GetA → GET /a/{id}``), or the
first step of a scenario (``POST /a (first step)``). Test cases are chain x check family; a
failure's curl replays the whole chain up to the failing step, root first.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import HypothesisException
from schemathesis.core.failures import FailureGroup

from .fuzzrun import ANSWERED, FAMILIES, Finding, curl, judged, listed, mask
from .fuzzrun import call as call_waiting
from .ledger import Ledger

PREFIX = "stateful: "
FIRST = " (first step)"
# schemathesis' transition id, "POST /a -> [201] GetA -> GET /a/{id}" (its format_transition)
_TRANSITION = re.compile(r"^(?P<source>.+) -> \[[^\]]*\] (?P<link>.+) -> (?P<target>.+)$")


def family(check: str) -> str:
    return FAMILIES.get(check, check)


def families() -> list[str]:
    return [ANSWERED, *sorted(set(FAMILIES.values()))]


def links(schema: Any) -> dict[str, dict[str, str]]:
    """Each operation with links -> its links (name -> target operation), from the spec."""
    operations = [r.ok() for r in schema.get_all_operations()]
    by_id = {op.definition.raw.get("operationId"): op.label for op in operations}
    out: dict[str, dict[str, str]] = {}
    for op in operations:
        for response in op.definition.raw.get("responses", {}).values():
            for name, link in (response.get("links") or {}).items():
                target = by_id.get(link.get("operationId"))
                if target is not None:
                    out.setdefault(op.label, {})[name] = target
    return out


def has_links(doc: dict[str, Any]) -> bool:
    """Whether a spec document declares any link (before a schema is built from it)."""
    return any(
        "links" in response
        for item in doc.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        if isinstance(response, dict)
    )


def link_chains(schema: Any) -> list[str]:
    """Every chain a run can take: the first step of each operation that has links (where
    scenarios start), and each link."""
    found = links(schema)
    return [
        *(source + FIRST for source in found),
        *(f"{s} → {name} → {t}" for s, out in found.items() for name, t in out.items()),
    ]


def chain_of(step: Any) -> str:
    """The chain of one state-machine step (a ``StepInput``)."""
    transition = step.transition
    if transition is None:
        return str(step.case.operation.label) + FIRST
    match = _TRANSITION.match(transition.id)
    if match is None:  # a transition id of another shape is shown as schemathesis writes it
        return str(transition.id)
    return f"{match['source']} → {match['link']} → {match['target']}"


def hypothesis_settings(scenarios: int, steps: int) -> settings:
    return settings(
        max_examples=scenarios,
        stateful_step_count=steps,
        phases=[Phase.generate],  # no shrinking: nothing is raised, every failure is kept
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Result:
    steps: Counter[str] = field(default_factory=Counter)  # chain -> steps taken
    held: Counter[tuple[str, str]] = field(default_factory=Counter)  # (chain, family) -> held
    not_run: Counter[tuple[str, str]] = field(default_factory=Counter)  # ... -> did not apply
    findings: dict[tuple[str, str], list[Finding]] = field(default_factory=dict)

    def fail(self, chain: str, finding: Finding) -> None:
        self.findings.setdefault((chain, family(finding.check)), []).append(finding)


def explore(
    schema: Any,
    scenarios: int = 10,
    steps: int = 8,
    secrets: Mapping[str, str] | None = None,
    wait_out_429: bool = False,
) -> Result:
    """Run ``scenarios`` scenarios of up to ``steps`` linked steps; every check result kept."""
    result = Result()
    secrets = dict(secrets or {})
    sent: dict[str, tuple[str | None, str]] = {}  # case id -> (parent case id, its curl)
    now = {"chain": ""}  # the chain of the step being validated

    def replay(case_id: str) -> str:
        """The curls of the chain up to ``case_id``, root first."""
        lines: list[str] = []
        current: str | None = case_id
        while current is not None and current in sent:
            current, line = sent[current]
            lines.insert(0, line)
        return "\n".join(lines)

    def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
        for check in results:
            if check.failure is None:
                applied = judged(check.name, case, response)
                (result.held if applied else result.not_run)[now["chain"], family(check.name)] += 1
                continue
            failure = check.failure
            detail = str(failure.message or "")
            finding = Finding(check.name, failure.title, detail, replay(case.id))
            result.fail(now["chain"], finding)

    def machine(base: Any) -> Any:
        """Schemathesis' machine class, recording instead of raising."""

        class Recording(base):  # type: ignore[misc]
            _parent: str | None = None

            def step(self, input: Any) -> Any:
                now["chain"] = chain = chain_of(input)
                result.steps[chain] += 1
                self._parent = input.transition.parent_id if input.transition else None
                try:
                    return super().step(input)
                except HypothesisException:
                    raise
                except Exception as exc:  # no answer (refused, reset, timed out): recorded
                    line = mask(input.case.as_curl_command(), secrets)
                    sent[input.case.id] = (self._parent, line)
                    detail = f"{type(exc).__name__}: {exc}"
                    result.fail(
                        chain, Finding(ANSWERED, "no answer", detail, replay(input.case.id))
                    )
                    return None  # the scenario goes on; nothing can follow this step's links

            def call(self, case: Any, **kwargs: Any) -> Any:
                return call_waiting(case, wait_out_429)

            def after_call(self, response: Any, case: Any) -> None:
                super().after_call(response, case)
                sent[case.id] = (self._parent, curl(case, response, secrets))
                result.held[now["chain"], ANSWERED] += 1

            def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
                # each failure was recorded by after_validate, with its check's name
                with contextlib.suppress(FailureGroup):
                    super().validate_response(response, case, **kwargs)

        return Recording

    # One machine per operation that has links, scoped to it and its links' targets: in one
    # machine over the whole spec schemathesis starts scenarios only at the operations it deems
    # reliable roots, and a link from any other operation would never be followed.
    # Scoped by excluding the rest: with per-operation settings in the config (a live run's own
    # paces) schemathesis ORs ``include`` with a filter that matches every operation.
    labels = [r.ok().label for r in schema.get_all_operations()]
    for source, out in links(schema).items():
        scoped = schema.exclude(name=[x for x in labels if x not in {source, *out.values()}])
        scoped.hooks.register_hook_with_name(after_validate, "after_validate")
        try:
            machine(scoped.as_state_machine()).run(settings=hypothesis_settings(scenarios, steps))
        finally:
            scoped.hooks.unregister(after_validate)
    return result


class StatefulRun:
    """The stateful run of one API, once, on first demand, recorded into ``ledger``."""

    def __init__(
        self,
        api: str,
        schema: Any,
        ledger: Ledger | None = None,
        secrets: Mapping[str, str] | None = None,
        wait_out_429: bool = False,
        scenarios: int = 10,
        steps: int = 8,
    ) -> None:
        self.api, self.schema, self.ledger = api, schema, ledger
        self.secrets = dict(secrets or {})
        self.wait_out_429, self.scenarios, self.steps = wait_out_429, scenarios, steps
        self.chains = link_chains(schema)
        self._done: Result | None = None

    def result(self) -> Result:
        if self._done is None:
            self._done = explore(
                self.schema, self.scenarios, self.steps, self.secrets, self.wait_out_429
            )
            if self.ledger is not None:
                self._record(self._done)
        return self._done

    def _record(self, found: Result) -> None:
        assert self.ledger is not None
        for chain in dict.fromkeys([*self.chains, *found.steps]):
            for name in families():
                operation = PREFIX + chain
                self.ledger.passed(self.api, operation, name, found.held[chain, name])
                self.ledger.not_run(self.api, operation, name, found.not_run[chain, name])
                for f in found.findings.get((chain, name), []):
                    title = f"{f.check}: {f.title}"
                    self.ledger.failed(self.api, operation, name, title, f.detail, f.curl)

    def pairs(self) -> list[tuple[str, str]]:
        return [(chain, name) for chain in self.chains for name in families()]

    def verdict(self, chain: str, name: str) -> list[str]:
        """Every failure of family ``name`` on ``chain`` (running the machine if not yet)."""
        found = self.result()
        problems = listed(found.findings.get((chain, name), []))
        if not problems and not found.held[chain, name] and not found.not_run[chain, name]:
            taken = found.steps[chain]
            problems.append(
                f"no step of {self.scenarios} scenarios reached the check ({taken} steps "
                "on this chain): the link was never followed, or every answer skipped the check"
            )
        return problems
