"""A partner profile: everything about a partner the spec cannot say (pure data, loaded here).

A profile is YAML beside the specs (``specs/profiles/<name>.yaml``); see specs/README.md for its
fields. Nothing here names a partner: partners are files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Statuses for situations a profile does not list. Wording always comes from the profile.
DEFAULT_STATUS = {
    "malformed_body": 400,
    "mock_preference": 400,
    "missing_credential": 401,
    "invalid_credential": 403,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,  # the body did not arrive within --timeout-body
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "headers_too_large": 431,  # over --max-header-bytes or --max-headers
    "validation": 422,
    "rate_limited": 429,
    "storage_full": 429,  # the store's byte budget or tenant cap (store.py)
    "internal": 500,
    "unavailable": 503,  # the shared store (Redis) is unreachable
}

# The inverse, for refusals that arrive as a bare HTTP status (connexion's, Starlette's): the
# first situation listed with that status. One table, so the two directions cannot drift apart.
SITUATION_BY_STATUS = {status: name for name, status in reversed(DEFAULT_STATUS.items())}

# Situations a profile may word on their own, else worded as another.
ALIASES = {"path_validation": "validation", "body_type": "validation"}


class ProfileError(ValueError):
    """A profile that cannot be served; the message names the file, the key and what was
    expected."""


@dataclass(frozen=True)
class Situation:
    status: int
    message: str
    code: str | None = None
    problem: Mapping[str, str] | None = None  # {field, message}: a problem the refusal names
    show_problems: bool = True  # false: the body names no field (e.g. "Campaign not found.")


@dataclass(frozen=True)
class AuthRule:
    """How one security scheme of the spec is checked.

    ``credential``: the sandbox-credential field the value must equal (constant-time);
    ``partition``: the value only partitions state (any non-empty value passes);
    ``bearer_key_prefix``/``bearer_jwt``: for http bearer schemes, which tokens are accepted.
    """

    scheme: str
    missing: Situation | None = None
    credential: str | None = None
    partition: bool = False
    bearer_key_prefix: str | None = None
    bearer_jwt: bool = False


@dataclass(frozen=True)
class RateRule:
    limit: str  # in the `limits` library's notation, e.g. "120/minute"
    operations: tuple[str, ...] = ()  # empty: every operation


@dataclass(frozen=True)
class CallbackEntry:
    """One ``callbacks.<operationId>`` entry of a profile (callbacks.py checks it against the
    spec's declared callback and adds the method)."""

    operation: str
    callback: str  # the operation's `callbacks` entry in the spec
    url: str  # JSON pointer into the accepted item
    body: Any  # the body template
    success: Mapping[str, Any]
    failure: Mapping[str, Any]
    fail_when: tuple[str, Any] | None  # (pointer, value)


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec_path: Path
    prefix: str
    error_template: Any
    path_style: str
    root_name: str
    messages: Mapping[str, str]
    situations: Mapping[str, Situation]
    auth: tuple[AuthRule, ...]
    rate_limits: tuple[RateRule, ...]
    rate_limit_headers: Mapping[str, str]
    max_body_bytes: int | None
    state: Mapping[str, Mapping[str, Any]]
    operation_situations: Mapping[str, Mapping[str, Situation]]
    callbacks: Mapping[str, CallbackEntry] = field(default_factory=dict)
    source: Path | None = None  # the profile's own file, for error messages

    def situation(self, name: str, operation: str | None = None) -> Situation:
        """The profile's entry for ``name`` (the operation's own wording first, from
        ``operations.<id>.situations``); an unlisted one keeps its default status."""
        own = self.operation_situations.get(operation or "", {})
        if name in own:
            return own[name]
        if name in self.situations:
            return self.situations[name]
        if name in ALIASES:
            return self.situation(ALIASES[name], operation)
        # worded as the internal error, code included (a partner whose envelope requires a
        # code string gave "code": null on a 503 while the shared store was away)
        fallback = self.situations.get("internal")
        status = DEFAULT_STATUS.get(name, 500)
        if fallback is None:
            return Situation(status, name, None)
        return Situation(status, fallback.message, fallback.code)


def _situation(raw: Mapping[str, Any]) -> Situation:
    return Situation(
        int(raw["status"]),
        str(raw["message"]),
        raw.get("code"),
        raw.get("problem"),
        bool(raw.get("show_problems", True)),
    )


def parse_callbacks(section: Mapping[str, Any]) -> dict[str, CallbackEntry]:
    """A profile's ``callbacks`` section, by operationId (KeyError for a missing key)."""
    entries = {}
    for operation_id, raw in section.items():
        when = raw.get("fail_when")
        entries[operation_id] = CallbackEntry(
            operation=operation_id,
            callback=str(raw["callback"]),
            url=str(raw["url"]),
            body=raw["body"],
            success=raw.get("success", {}),
            failure=raw.get("failure", {}),
            fail_when=(when["at"], when["equals"]) if when else None,
        )
    return entries


def load_profile(path: Path) -> Profile:
    """Read ``specs/profiles/<name>.yaml``; a malformed one is a :class:`ProfileError` naming
    the file and the key, never a bare KeyError at start-up."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"profile {path} cannot be read: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ProfileError(f"profile {path}: expected a mapping at the top level")
    try:
        return _build(path, raw)
    except KeyError as exc:
        raise ProfileError(f"profile {path}: required key {exc} is missing") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"profile {path}: malformed entry ({exc})") from exc


def _build(path: Path, raw: Mapping[str, Any]) -> Profile:
    error = raw["error"]
    auth = tuple(
        AuthRule(
            scheme=r["scheme"],
            missing=_situation(r["missing"]) if "missing" in r else None,
            credential=r.get("credential"),
            partition=bool(r.get("partition", False)),
            bearer_key_prefix=r.get("bearer", {}).get("key_prefix"),
            bearer_jwt=bool(r.get("bearer", {}).get("jwt", False)),
        )
        for r in raw.get("auth", [])
    )
    limits = raw.get("limits", {})
    return Profile(
        name=path.stem,
        title=raw.get("title", path.stem),
        spec_path=(path.parent.parent / raw["spec"]).resolve(),
        prefix=raw["prefix"].rstrip("/"),
        error_template=error["template"],
        path_style=error.get("path_style", "brackets"),
        root_name=str(error.get("root_name", "body")),
        messages=error.get("messages", {}),
        situations={k: _situation(v) for k, v in raw.get("situations", {}).items()},
        auth=auth,
        rate_limits=tuple(
            RateRule(r["limit"], tuple(r.get("operations", ()))) for r in limits.get("rate", [])
        ),
        rate_limit_headers=limits.get("headers", {}),
        max_body_bytes=limits.get("max_body_bytes"),
        state=raw.get("state", {}),
        operation_situations={
            op: {k: _situation(v) for k, v in spec.get("situations", {}).items()}
            for op, spec in raw.get("operations", {}).items()
        },
        callbacks=parse_callbacks(raw.get("callbacks") or {}),
        source=path,
    )
