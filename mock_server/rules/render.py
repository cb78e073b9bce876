"""Turn a :class:`Rejection` into the partner's status, body and headers (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.core.problems import Problem, Rejection
from mock_server.core.profile import Profile
from mock_server.core.template import fill, fill_text
from mock_server.rules.envelope import format_path, problem_values


@dataclass(frozen=True)
class Rendered:
    status: int
    body: Any
    headers: Mapping[str, str]
    reasons: tuple[str, ...]


def problem_message(profile: Profile, problem: Problem, path: str) -> tuple[str, bool]:
    """A problem in the partner's wording, and whether that wording is a whole sentence.

    Templates come from the profile's ``error.messages``, most specific first:
    ``<keyword>:<value>`` (e.g. ``format:uuid``), ``<keyword>``, ``default``; without one the
    validator's own message is used. A template that names ``{path}`` is a whole sentence and
    is not prefixed with the path where a profile joins problems into one message.
    """
    keyword = problem.keyword
    messages = profile.messages
    template = (
        messages.get(f"{keyword}:{problem.params.get('limit')}")
        or messages.get(keyword)
        or messages.get("default")
    )
    if template is None:
        return problem.default_message, False
    params = {"field": path, **problem.params, "detail": problem.default_message, "path": path}
    return fill_text(template, params), "{path}" in template


def render_rejection(
    profile: Profile,
    rejection: Rejection,
    trace_id: str,
    timestamp: str,
    operation: str | None = None,
) -> Rendered:
    situation = profile.situation(rejection.situation, operation)
    status = rejection.status or situation.status
    params = {**rejection.params, "status": status}
    problems = list(rejection.problems) if situation.show_problems else []
    if not problems and situation.problem:  # the situation names its own problem
        field = situation.problem["field"]
        message = fill_text(situation.problem["message"], params)
        problems = [Problem("auth", (field,), "situation", message)]
    fields, sentences = [], []
    for problem in problems:
        path = format_path(problem.path, profile.path_style) or profile.root_name
        if problem.keyword == "situation":  # the situation's own words, already filled
            text, whole = problem.default_message, False
        else:
            text, whole = problem_message(profile, problem, path)
        fields.append((path, text))
        sentences.append(text if whole or not path else f"{path}: {text}")
    params["problems_text"] = "; ".join(sentences)
    message = fill_text(rejection.message or situation.message, params)
    values = {
        "message": message,
        "code": rejection.code or situation.code,
        "status": status,
        "trace_id": trace_id,
        "timestamp": timestamp,
        **problem_values(fields),
    }
    body = fill(profile.error_template, values)
    reasons = tuple(f"{f}: {m}" for f, m in fields) or (message,)
    return Rendered(status, body, rejection.headers, reasons)
