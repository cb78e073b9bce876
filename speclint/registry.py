"""Rule registry, in the style of schemathesis' checks: decorate a function to register it.

A *spec rule* takes one :class:`SpecContext` and yields findings; a *cross rule* takes every
spec given on the command line at once (e.g. operationId uniqueness across partners).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from speclint.model import Finding, SpecContext

SpecRule = Callable[[SpecContext], Iterable[Finding]]
CrossRule = Callable[[Sequence[SpecContext]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule; ``cross`` rules see all specs together."""

    name: str
    doc: str
    spec: SpecRule | None = None
    cross: CrossRule | None = None


RULES: dict[str, Rule] = {}


def _name(func: Callable[..., object]) -> str:
    return func.__name__.replace("_", "-")


def _first_line(func: Callable[..., object]) -> str:
    return (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""


def spec_rule(func: SpecRule) -> SpecRule:
    """Register a per-spec rule under its function name (``_`` -> ``-``)."""
    RULES[_name(func)] = Rule(_name(func), _first_line(func), spec=func)
    return func


def cross_rule(func: CrossRule) -> CrossRule:
    """Register a rule over all specs at once."""
    RULES[_name(func)] = Rule(_name(func), _first_line(func), cross=func)
    return func


def _guarded(rule: Rule, file: str, produce: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """Run a rule, tagging its findings; a crash becomes a finding instead of ending the run."""
    try:
        return [replace(f, rule=rule.name) for f in produce()]
    except Exception as exc:  # a linter bug must not hide other findings
        return [
            Finding(file, "", f"rule crashed: {type(exc).__name__}: {str(exc)[:200]}", rule.name)
        ]


def run_rules(specs: Sequence[SpecContext], rules: Iterable[Rule]) -> list[Finding]:
    """Apply ``rules`` to ``specs``; findings come back sorted and without duplicates."""
    findings: set[Finding] = set()
    for rule in rules:
        if rule.spec is not None:
            check = rule.spec
            for spec in specs:
                findings.update(_guarded(rule, spec.file, partial(check, spec)))
        if rule.cross is not None:
            cross = rule.cross
            findings.update(_guarded(rule, "<all specs>", partial(cross, specs)))
    return sorted(findings)
