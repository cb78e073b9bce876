"""Checking credentials as a partner's profile says (pure, apart from the clock passed in).

The spec says which security schemes an operation requires; the profile says, per scheme, what
a missing value is answered with and which sandbox-credential field the value must match. Every
comparison of a secret uses :func:`hmac.compare_digest`, and every candidate is compared so the
time taken does not depend on which one matched.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mock_server.core.problems import Rejection
from mock_server.core.profile import AuthRule

JWT_ALGORITHM = "HS256"


def _pyjwt() -> Any:
    """PyJWT, imported on first use: it loads cryptography's OpenSSL bindings when those are
    installed (about 20 MB of each worker's memory, measured with VmRSS), and only an API whose
    profile takes JWTs, on a request that carries or asks for one, needs it."""
    import jwt

    return jwt


@dataclass(frozen=True)
class Principal:
    """Who a request is: a sandbox credential, and the values that partition its state."""

    credential: str
    partition: tuple[str, ...] = ()

    def namespace(self, api: str) -> str:
        """Where this principal's state lives in ``api``: a JSON array, so no two (API,
        credential, partition values) can collide, whatever characters a tenant id holds."""
        return json.dumps([api, self.credential, *self.partition])


def owner_of(namespace: str) -> str:
    """The credential a namespace belongs to, in its API (the store's budgets are per owner):
    ``[api, credential]`` of a namespace :meth:`Principal.namespace` made; any other string is
    its own owner."""
    try:
        parts = json.loads(namespace)
    except ValueError:
        return namespace
    return json.dumps(parts[:2]) if isinstance(parts, list) else namespace


ANONYMOUS = Principal("anonymous")


def scheme_value(
    scheme: Mapping[str, Any], headers: Mapping[str, str], query: Mapping[str, str]
) -> str | None:
    """The raw credential a request sends for one spec security scheme (or None)."""
    kind = scheme.get("type")
    if kind == "apiKey":
        source = query if scheme.get("in") == "query" else headers
        value = (
            source.get(scheme["name"])
            if scheme.get("in") == "query"
            else headers.get(scheme["name"].lower())
        )
        return value.strip() if value else None
    if kind in {"http", "oauth2", "openIdConnect"}:
        header = headers.get("authorization", "")
        prefix, _, token = header.partition(" ")
        return token.strip() or None if prefix.lower() == "bearer" else None
    return None


def issue_jwt(credential: str, secret: str, now: float, ttl: int) -> str:
    """A token the mock's own login hands out (PyJWT, HS256)."""
    claims = {"sub": credential, "iat": int(now), "exp": int(now) + ttl}
    token: str = _pyjwt().encode(claims, secret, algorithm=JWT_ALGORITHM)
    return token


def _jwt_subject(token: str, secret: str, now: float) -> str | None:
    # PyJWT's own claim checks (exp must be an integer date; a malformed claim
    # is a DecodeError, so a 401, never a 500 or a token that never expires). PyJWT compares
    # with time.time(); the leeway shifts that to the injected clock, so tests decide "now".
    jwt = _pyjwt()
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "exp"], "verify_exp": True, "verify_iat": False},
            leeway=time.time() - now,
        )
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def _same(a: str, b: Any) -> bool:
    return isinstance(b, str) and hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Authenticator:
    """One API's credential checks: its spec's schemes, its profile's rules, its sandbox
    credentials and the secret its own JWTs are signed with. Built once per API."""

    schemes: Mapping[str, Mapping[str, Any]]
    rules: Sequence[AuthRule]
    credentials: Sequence[Mapping[str, Any]]
    jwt_secret: str
    _orders: dict[tuple[str, ...], tuple[AuthRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def authenticate(
        self,
        requirements: Sequence[Mapping[str, Sequence[str]]],
        required_scopes: Sequence[str],
        request: Request,
    ) -> Principal:
        """The principal of a request, or :class:`Rejection` as the profile words it.

        ``requirements`` is the operation's OpenAPI ``security`` (alternatives); the first
        that passes wins, and if none does the first one's refusal is raised.
        """
        if not requirements or any(not r for r in requirements):
            return ANONYMOUS
        first: Rejection | None = None
        for requirement in requirements:
            try:
                return self._one(requirement, required_scopes, request)
            except Rejection as exc:
                first = first or exc
        assert first is not None
        raise first

    def _order(self, schemes: tuple[str, ...]) -> tuple[AuthRule, ...]:
        """A requirement's rules in the profile's order, then any scheme the profile omits
        (worked out once per requirement: the spec and profile never change)."""
        hit = self._orders.get(schemes)
        if hit is None:
            known = {rule.scheme for rule in self.rules}
            ordered = [r for r in self.rules if r.scheme in schemes]
            hit = (*ordered, *(AuthRule(s) for s in schemes if s not in known))
            self._orders[schemes] = hit
        return hit

    def _one(
        self,
        requirement: Mapping[str, Sequence[str]],
        required_scopes: Sequence[str],
        request: Request,
    ) -> Principal:
        ordered = self._order(tuple(requirement))
        values: dict[str, str] = {}
        for rule in ordered:  # presence first, in the profile's order
            value = scheme_value(self.schemes.get(rule.scheme, {}), request.headers, request.query)
            if not value:
                missing = rule.missing
                raise Rejection(
                    "missing_credential",
                    status=missing.status if missing else None,
                    message=missing.message if missing else None,
                    code=missing.code if missing else None,
                    params={"scheme": rule.scheme},
                )
            values[rule.scheme] = value
        candidates = list(self.credentials)
        for rule in ordered:  # then validity
            value = values[rule.scheme]
            if rule.bearer_jwt and value.count(".") == 2:
                subject = _jwt_subject(value, self.jwt_secret, request.now)
                candidates = [
                    c for c in candidates if subject is not None and c.get("name") == subject
                ]
            elif rule.credential:
                if rule.bearer_key_prefix and not value.startswith(rule.bearer_key_prefix):
                    candidates = []
                matches = [_same(value, c.get(rule.credential)) for c in candidates]
                candidates = [c for c, ok in zip(candidates, matches, strict=True) if ok]
        if not candidates:
            raise Rejection("invalid_credential")
        chosen = candidates[0]
        wanted = {*required_scopes, *(s for scopes in requirement.values() for s in scopes)}
        granted = chosen.get("scopes")
        if granted is not None:
            missing_scopes = sorted(wanted - set(granted))
            if missing_scopes:
                raise Rejection("insufficient_scope", params={"scope": ", ".join(missing_scopes)})
        partition = tuple(values[r.scheme] for r in ordered if r.partition)
        return Principal(str(chosen.get("name", "sandbox")), partition)


@dataclass(frozen=True)
class Request:
    """What a credential check reads of a request, and when it happens."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    now: float
