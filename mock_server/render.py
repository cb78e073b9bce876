"""Turn a :class:`Rejection` into the partner's status, body and headers (pure)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .envelope import format_path, problem_values, render
from .problems import Problem, Rejection
from .profile import Profile


@dataclass(frozen=True)
class Rendered:
    status: int
    body: Any
    headers: Mapping[str, str]
    reasons: tuple[str, ...]


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, params: Mapping[str, Any]) -> str:
    """``str.format`` that leaves unknown placeholders as they are."""
    return string.Formatter().vformat(template, (), _Keep(params))


def problem_message(profile: Profile, problem: Problem) -> str:
    """A problem in the partner's wording (profile ``error.messages``), else the validator's."""
    template = profile.messages.get(problem.keyword) or profile.messages.get("default")
    if template is None:
        return problem.default_message
    return fill(template, {**problem.params, "detail": problem.default_message})


def render_rejection(
    profile: Profile, rejection: Rejection, trace_id: str, timestamp: str
) -> Rendered:
    situation = profile.situation(rejection.situation)
    status = rejection.status or situation.status
    fields = [
        (format_path(p.path, profile.path_style) or profile.root_name, problem_message(profile, p))
        for p in rejection.problems
    ]
    problems_text = "; ".join(f"{f}: {m}" if f else m for f, m in fields)
    params = {**rejection.params, "status": status, "problems_text": problems_text}
    message = fill(rejection.message or situation.message, params)
    values = {
        "message": message,
        "code": rejection.code or situation.code,
        "status": status,
        "trace_id": trace_id,
        "timestamp": timestamp,
        **problem_values(fields),
    }
    body = render(profile.error_template, values)
    reasons = tuple(f"{f}: {m}" for f, m in fields) or (message,)
    return Rendered(status, body, rejection.headers, reasons)
