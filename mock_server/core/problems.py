"""What a refused request carries from the layer that refused it to the envelope renderer.

Layers (auth, rate limit, validation, routing) raise :class:`Rejection` with a *situation*
name; the profile of the API that was called turns the situation into a status, a code and a
message, and the envelope template turns those into the partner's body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PathPart = str | int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, before any partner's wording is applied.

    ``location`` is ``body``, ``query``, ``path``, ``header`` or ``cookie``; ``path`` is the
    location of the offending value (for parameters, the parameter name); ``keyword`` is the
    JSON-Schema keyword (or mock rule) that failed; ``params`` fills message templates.
    """

    location: str
    path: tuple[PathPart, ...]
    keyword: str
    default_message: str
    params: Mapping[str, Any] = field(default_factory=dict)


class Rejection(Exception):
    """A request the mock refuses, as the partner would.

    ``situation`` names an entry of the profile's ``situations`` table (``validation``,
    ``missing_credential`` …). ``status``/``message``/``code`` override the table's entry when
    the refusing layer knows better (e.g. a header whose absence has its own documented message).
    """

    def __init__(
        self,
        situation: str,
        *,
        problems: Sequence[Problem] = (),
        status: int | None = None,
        message: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(situation)
        self.situation = situation
        self.problems = tuple(problems)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.params = dict(params or {})
