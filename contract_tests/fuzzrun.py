"""Fuzz one operation with every check, collecting every failure instead of stopping at the first
(issue 9, item 2), grouped into check families that name the test cases (item 3).

Schemathesis' pytest integration (``schema.parametrize``) raises the first failing case's
``FailureGroup``; Hypothesis then shrinks that one and stops, so one finding hides the rest, and
every case is one test named after the test function. Its ``continue-on-failure`` option is only
read by the CLI engine, not by the pytest integration (schemathesis 4.32). So each operation's
Hypothesis test is built the way the pytest plugin builds it (``build_operation_test``: the
examples, coverage and fuzzing phases from the config), with a test body that records each
check's result through the schema's ``after_validate`` hook and never raises. That builder is not
public API; ``pyproject.toml`` pins schemathesis below 5, and a signature change fails loudly at
the first call.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test

from .checks import is_idempotent
from .ledger import Ledger

# Schemathesis' and our checks (suite.ALL_CHECKS, checks.REGISTRY) -> the family a test case is
# named after. A check not listed here is its own family.
FAMILIES = {
    "not_a_server_error": "no server error",
    "status_code_conformance": "documented status code",
    "content_type_conformance": "documented Content-Type",
    "response_headers_conformance": "documented response headers",
    "response_schema_conformance": "response matches schema",
    "negative_data_rejection": "invalid request rejected",
    "positive_data_acceptance": "valid request accepted",
    "missing_required_header": "missing required header rejected",
    "unsupported_method": "unknown method: 405 + Allow",
    "allow_header_conformance": "unknown method: 405 + Allow",
    "use_after_free": "resource lifecycle",
    "ensure_resource_availability": "resource lifecycle",
    "object_level_authorization": "object-level authorization",
    "ignored_auth": "auth not ignored",
    "error_envelope": "error envelope",
    "retry_after_on_429": "Retry-After on 429",
    "idempotent_replay": "idempotent replay",
}
ANSWERED = "request answered"  # the family of a request that got no answer at all


def _scenario(case: Any) -> str | None:
    """The coverage phase's scenario of ``case`` (e.g. ``unspecified_http_method``), if any."""
    scenario = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    value = getattr(scenario, "scenario", None)
    return None if value is None else str(getattr(value, "value", value))


def _mode(case: Any) -> str | None:
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    return None if mode is None else str(getattr(mode, "value", mode))


def _status(response: Any) -> int:
    return int(getattr(response, "status_code", 0))


# When a check judges a response at all. Schemathesis reports a check that returned without
# looking (most return None when the case is not theirs, e.g. unsupported_method on a case
# that sent a documented method) as a success like one that looked and held; these are the
# conditions, read from each check, under which it looks. A check not listed counts as judged.
JUDGES: dict[str, Any] = {
    "unsupported_method": lambda case, response: (
        _scenario(case) == "unspecified_http_method"
        and str(getattr(case, "method", "")).upper() != "OPTIONS"
    ),
    "allow_header_conformance": lambda case, response: (
        str(getattr(case, "method", "")).upper() == "OPTIONS"
        and bool(getattr(response, "headers", {}).get("allow"))
    ),
    "missing_required_header": lambda case, response: _scenario(case) == "missing_parameter",
    "negative_data_rejection": lambda case, response: _mode(case) == "negative",
    "positive_data_acceptance": lambda case, response: _mode(case) == "positive",
    "ensure_resource_availability": lambda case, response: _status(response) == 404,
    "use_after_free": lambda case, response: 200 <= _status(response) < 400,
    "error_envelope": lambda case, response: _status(response) >= 400,
    "retry_after_on_429": lambda case, response: _status(response) == 429,
    "idempotent_replay": lambda case, response: is_idempotent(case) and _status(response) != 429,
}


def judged(check: str, case: Any, response: Any) -> bool:
    """Whether ``check`` judged ``response`` (else it did not apply: "not run")."""
    rule = JUDGES.get(check)
    return True if rule is None else bool(rule(case, response))


def family(check: str) -> str:
    return "fuzz: " + FAMILIES.get(check, check)


def families() -> list[str]:
    """Every family, in a stable order: one test case per operation and family."""
    return [family(ANSWERED), *sorted({family(name) for name in FAMILIES})]


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """Real secrets (from the environment) shown as the variable that holds them, e.g.
    ``'"$CONTRACT_ZIETT_APIKEYAUTH_OTHER"'``; invented values stay as sent. ``secrets`` maps a
    value to its variable's name. The secret stands inside a single-quoted shell word (every
    header is one: schemathesis quotes "Name: value", which has a space), so the replacement
    closes that quote, expands the variable in double quotes and reopens it: the curl runs
    as sent in a shell with the environment set."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, f"'\"${secrets[secret]}\"'")
    return text


@dataclass
class Finding:
    check: str
    title: str
    detail: str
    curl: str


@dataclass
class Result:
    cases: int = 0
    held: Counter[str] = field(default_factory=Counter)  # family -> checks that held
    not_run: Counter[str] = field(default_factory=Counter)  # family -> checks that did not apply
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # family -> every failure

    def fail(self, finding: Finding) -> None:
        self.findings.setdefault(family(finding.check), []).append(finding)


def listed(findings: Iterable[Finding]) -> list[str]:
    """Every distinct failure once, with how often it was seen and the curl that replays it."""
    distinct: Counter[tuple[str, str, str]] = Counter()
    curls: dict[tuple[str, str, str], str] = {}
    for f in findings:
        key = (f.check, f.title, f.detail)
        distinct[key] += 1
        curls.setdefault(key, f.curl)
    return [
        f"{check}: {title} ({count}x)\n{detail}\nReproduce: {curls[check, title, detail]}"
        for (check, title, detail), count in distinct.items()
    ]


def curl(case: Any, response: Any, secrets: Mapping[str, str]) -> str:
    headers = dict(response.request.headers) if response is not None else None
    return mask(case.as_curl_command(headers=headers), secrets)


def retry_seconds(value: str | None) -> float:
    """A ``Retry-After`` in seconds; 60 when absent or an HTTP date (never a crash)."""
    text = (value or "").strip()
    return float(text) if text.isdigit() else 60.0


def call(case: Any, wait_out_429: bool) -> Any:
    """The case's answer; with ``wait_out_429`` a 429 is waited out (``Retry-After``, at most
    three times) and the request sent again, so the partner's own limit is not a finding."""
    response = case.call()
    for _ in range(3 if wait_out_429 else 0):
        if response.status_code != 429:
            break
        time.sleep(retry_seconds(str(response.headers.get("retry-after", ["60"])[0])))
        response = case.call()
    return response


def fuzz(
    schema: Any,
    operation: Any,
    secrets: Mapping[str, str] | None = None,
    wait_out_429: bool = False,
) -> Result:
    """Every example of every enabled phase for ``operation``, every check's result kept."""
    result = Result()
    secrets = dict(secrets or {})

    def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
        if case.operation.label != operation.label:
            return
        replay = None
        for check in results:
            if check.failure is None:
                applied = judged(check.name, case, response)
                (result.held if applied else result.not_run)[family(check.name)] += 1
                continue
            replay = replay or curl(case, response, secrets)
            failure = check.failure
            result.fail(Finding(check.name, failure.title, str(failure.message or ""), replay))

    def body(case: Any) -> None:
        result.cases += 1
        try:
            case.validate_response(call(case, wait_out_429))
        except FailureGroup:
            pass  # each failure was recorded by after_validate, with its check's name
        except Exception as exc:  # no answer (refused, reset, timed out): recorded, not raised
            detail = f"{type(exc).__name__}: {exc}"
            result.fail(Finding(ANSWERED, "no answer", detail, curl(case, None, secrets)))
        else:
            result.held[family(ANSWERED)] += 1

    schema.hooks.register_hook_with_name(after_validate, "after_validate")
    try:
        test = build_operation_test(
            config=schema.config,
            operation=operation,
            test_func=body,
            given_kwargs={},
            feedback=FeedbackSources(),
        )
        test()
    finally:
        schema.hooks.unregister(after_validate)
    return result


class Run:
    """Fuzz each operation of ``schema`` once, on first demand, recording into ``ledger``."""

    def __init__(
        self,
        api: str,
        schema: Any,
        ledger: Ledger | None = None,
        secrets: Mapping[str, str] | None = None,
        wait_out_429: bool = False,
    ) -> None:
        self.api, self.schema, self.ledger = api, schema, ledger
        self.secrets = dict(secrets or {})
        self.wait_out_429 = wait_out_429
        self.operations = {op.label: op for op in (r.ok() for r in schema.get_all_operations())}
        self._done: dict[str, Result] = {}

    def result(self, label: str) -> Result:
        if label not in self._done:
            operation = self.operations[label]
            found = fuzz(self.schema, operation, self.secrets, self.wait_out_429)
            self._done[label] = found
            if self.ledger is not None:
                self._record(label, found)
        return self._done[label]

    def _record(self, label: str, found: Result) -> None:
        assert self.ledger is not None
        for name in families():
            self.ledger.passed(self.api, label, name, found.held[name])
            self.ledger.not_run(self.api, label, name, found.not_run[name])
            for f in found.findings.get(name, []):
                self.ledger.failed(self.api, label, name, f"{f.check}: {f.title}", f.detail, f.curl)

    def pairs(self) -> list[tuple[str, str]]:
        return [(label, name) for label in self.operations for name in families()]

    def verdict(self, label: str, name: str) -> list[str]:
        """Every failure of family ``name`` on operation ``label`` (fuzzing it if not yet)."""
        found = self.result(label)
        problems = listed(found.findings.get(name, []))
        if not problems and not found.held[name] and not found.not_run[name]:
            problems.append(f"no response of {found.cases} cases reached the check")
        return problems
