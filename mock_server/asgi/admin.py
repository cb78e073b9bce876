"""Who may use the admin routes (``/__mock/*``), and what each caller may see of them.

Three kinds of caller:

* the operator, with ``Authorization: Bearer <admin token>`` (compared in constant time with
  :func:`hmac.compare_digest`), or anyone at all when no token is configured (a loopback-only
  mock, as before): sees and resets everything;
* a partner, with one of its own API credentials (exactly as it calls the API: the same headers,
  checked by the same :class:`~mock_server.rules.auth.Authenticator`): sees only journal entries,
  callbacks and state of that credential, and ``POST /__mock/reset`` clears only that
  credential's state namespaces;
* anyone else, when a token is configured: refused with 401; without a token, a caller who
  sends an API credential the mock does not recognise (wrong, or incomplete) is refused too,
  rather than taken for the operator: a mistyped key must never see or reset everyone's data.

Schemes that only partition state (tenant headers, say) prove nothing: a partner's view
needs only its credential, and covers every tenant of it.

``/__mock/health`` stays open: load balancers and start-up scripts probe it without secrets.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.core.problems import Rejection
from mock_server.rules.auth import ANONYMOUS, Request, scheme_value
from mock_server.world.runtime import Runtime

OPEN_ROUTES = frozenset({"/health"})


@dataclass(frozen=True)
class Viewer:
    """What one admin caller may see: everything (``owners`` None) or the (API, credential)
    pairs it proved it holds."""

    owners: frozenset[tuple[str, str]] | None

    @property
    def is_admin(self) -> bool:
        return self.owners is None

    def sees(self, entry: Mapping[str, Any]) -> bool:
        """A journal entry (request or callback) is visible to its own credential only; an
        entry with no credential (refused before authentication, unknown path) only to the
        operator."""
        if self.owners is None:
            return True
        return (entry.get("api"), entry.get("credential")) in self.owners

    def owns_namespace(self, namespace: str) -> bool:
        """A store namespace is ``json.dumps([api, credential, *partition])`` (auth.py)."""
        if self.owners is None:
            return True
        try:
            parts = json.loads(namespace)
        except ValueError:
            return False
        return isinstance(parts, list) and len(parts) >= 2 and (parts[0], parts[1]) in self.owners


ADMIN = Viewer(None)


def _bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _partitions(api: Any) -> frozenset[str]:
    """The schemes of ``api`` that only partition state (any value passes; nothing proven)."""
    return frozenset(rule.scheme for rule in api.authenticator.rules if rule.partition)


def _requirements(api: Any) -> list[Mapping[str, Any]]:
    """Each distinct security requirement the API's operations declare, without its partition
    schemes, and only those that still ask for a credential."""
    seen: dict[str, Mapping[str, Any]] = {}
    partitions = _partitions(api)
    for operation in api.operations.values():
        for requirement in operation.security or ():
            proving = {k: v for k, v in requirement.items() if k not in partitions}
            if proving:
                seen.setdefault(json.dumps(proving, sort_keys=True), proving)
    return list(seen.values())


def presents_credential(
    runtime: Runtime, headers: Mapping[str, str], query: Mapping[str, str]
) -> bool:
    """Whether the request carries a value for any API's credential scheme (partition schemes
    aside): a caller that sends one means its own view, recognised or not."""
    for api in runtime.apis:
        partitions = _partitions(api)
        if any(
            scheme_value(scheme, headers, query)
            for name, scheme in api.authenticator.schemes.items()
            if name not in partitions
        ):
            return True
    return False


def partner_owners(
    runtime: Runtime, headers: Mapping[str, str], query: Mapping[str, str]
) -> frozenset[tuple[str, str]]:
    """Every (API, credential) the request's credentials prove, tried against each API's own
    security requirements; empty when none does."""
    request = Request(headers, query, runtime.clock())
    owners: set[tuple[str, str]] = set()
    for api in runtime.apis:
        for requirement in _requirements(api):
            try:
                principal = api.authenticator.authenticate([requirement], (), request)
            except Rejection:
                continue
            if principal is not ANONYMOUS:
                owners.add((api.name, principal.credential))
                break
    return frozenset(owners)


def viewer_of(
    runtime: Runtime, route: str, headers: Mapping[str, str], query: Mapping[str, str]
) -> Viewer | None:
    """The caller's view of admin route ``route`` (e.g. ``/requests``); None when refused."""
    token = runtime.config.admin_token
    if route in OPEN_ROUTES:
        return ADMIN
    presented = _bearer(headers)
    if token and presented is not None and hmac.compare_digest(presented.encode(), token.encode()):
        return ADMIN
    owners = partner_owners(runtime, headers, query)
    if owners:
        return Viewer(owners)
    if token or presents_credential(runtime, headers, query):
        return None
    return ADMIN


def visible(viewer: Viewer, entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in entries if viewer.sees(e)]
