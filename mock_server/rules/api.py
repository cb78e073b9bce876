"""One served API: its profile, its spec document, the operations indexed from it, where it is
mounted and its sandbox credentials (a leaf over profile, specindex and auth; no runtime)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.core.profile import Profile
from mock_server.core.specindex import Operation
from mock_server.rules.auth import Authenticator


@dataclass
class Api:
    profile: Profile
    spec: dict[str, Any]  # the OpenAPI document
    operations: Mapping[str, Operation]
    base_path: str  # where this API is mounted ("" at the root)
    credentials: list[dict[str, Any]]
    path_methods: list[tuple[re.Pattern[str], tuple[str, ...]]] = field(default_factory=list)
    jwt_secret: str = ""
    _authenticator: Authenticator | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def schemes(self) -> Mapping[str, Mapping[str, Any]]:
        return self.spec.get("components", {}).get("securitySchemes", {})  # type: ignore[no-any-return]

    def allowed_methods(self, path: str) -> tuple[str, ...]:
        """The methods the spec documents on ``path`` (relative to the API's base path)."""
        relative = path[len(self.base_path) :] or "/"
        for pattern, methods in self.path_methods:
            if pattern.match(relative):
                return methods
        return ()

    @property
    def authenticator(self) -> Authenticator:
        """The API's credential checks (built on first use; the API's data never changes)."""
        if self._authenticator is None:
            self._authenticator = Authenticator(
                self.schemes, self.profile.auth, self.credentials, self.jwt_secret
            )
        return self._authenticator

    @property
    def secret_headers(self) -> frozenset[str]:
        """Header names that carry secrets: every apiKey header but those that only partition."""
        partitions = {rule.scheme for rule in self.profile.auth if rule.partition}
        return frozenset(
            s["name"].lower()
            for name, s in self.schemes.items()
            if s.get("type") == "apiKey" and s.get("in") == "header" and name not in partitions
        )
