"""What the suite fuzzes: one target per partner API, with the credentials that get past auth.

Auth is configured from the partner's profile (which sandbox-credential field each security
scheme carries) so that generated requests test validation, not the auth wall. For a live
endpoint the values come from environment variables instead (see README, "Live endpoints").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mock_server.core.profile import Profile, load_profile
from mock_server.core.specindex import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
PARTITION_VALUE = "contract-tests"


@dataclass(frozen=True)
class Target:
    name: str
    profile: Profile
    doc: dict[str, Any]
    credential: Mapping[str, Any]
    others: tuple[Mapping[str, Any], ...] = ()  # the API's other sandbox credentials


def env_name(api: str, scheme: str) -> str:
    """The environment variable holding a live credential, e.g. CONTRACT_ZIPTEAMS_APIKEY."""
    clean = "".join(ch for ch in f"{api}_{scheme}" if ch.isalnum() or ch == "_")
    return f"CONTRACT_{clean.upper()}"


def targets() -> list[Target]:
    creds = yaml.safe_load((SPECS / "sandbox-credentials.yaml").read_text(encoding="utf-8")) or {}
    out = []
    for path in sorted((SPECS / "profiles").glob("*.yaml")):
        profile = load_profile(path)
        first, *others = creds.get(profile.name) or [{}]
        out.append(
            Target(profile.name, profile, load_spec(profile.spec_path), first, tuple(others))
        )
    return out


def scheme_values(
    target: Target,
    live: bool = False,
    credential: Mapping[str, Any] | None = None,
    suffix: str = "",
) -> dict[str, str]:
    """The value each security scheme sends: sandbox credentials (``credential``, default the
    first), or environment variables (``CONTRACT_<API>_<SCHEME><suffix>``, e.g. ``_OTHER`` for
    a second credential)."""
    schemes = target.doc.get("components", {}).get("securitySchemes", {})
    credential = target.credential if credential is None else credential
    values: dict[str, str] = {}
    for rule in target.profile.auth:
        if rule.scheme not in schemes:
            continue
        if live:
            value = os.environ.get(env_name(target.name, rule.scheme) + suffix)
        elif rule.partition:
            value = PARTITION_VALUE
        else:
            value = credential.get(rule.credential or "")
        if value:
            values[rule.scheme] = str(value)
    return values


def auth_config(target: Target, live: bool = False) -> dict[str, Any]:
    """Schemathesis' ``auth.openapi`` table for ``target``."""
    schemes = target.doc.get("components", {}).get("securitySchemes", {})
    table: dict[str, Any] = {}
    for scheme, value in scheme_values(target, live).items():
        kind = schemes[scheme].get("type")
        table[scheme] = {"api_key": value} if kind == "apiKey" else {"bearer": value}
    return table
