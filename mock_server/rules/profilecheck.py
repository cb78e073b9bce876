"""Check a loaded profile against its spec and the state actions before anything is served.

A profile mistake (an unknown action, a missing or misspelt action parameter, an operationId the
spec does not have) must stop the mock at start-up, naming the file, the key and what was
expected, instead of surfacing as a 500 when the first request arrives. Pure: the caller passes
the operationIds and the actions' declared parameters (behaviours.PARAMETERS).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from mock_server.core.profile import ALIASES, DEFAULT_STATUS, Profile, ProfileError

Parameters = Mapping[str, tuple[frozenset[str], frozenset[str]]]

ENVELOPE_KEYS = frozenset({"items", "page", "size", "total", "pages"})
DERIVE_RULES = frozenset({"value", "count_of", "rows_of"})


def _situations(profile: Profile) -> set[str]:
    return set(profile.situations) | set(DEFAULT_STATUS) | set(ALIASES)


def _state_problems(
    key: str,
    entry: Any,
    profile: Profile,
    operation_ids: Collection[str],
    parameters: Parameters,
    arguments: Collection[str] | None = None,
) -> Iterator[str]:
    if not isinstance(entry, Mapping):
        yield f"{key}: expected a mapping of action parameters, got {type(entry).__name__}"
        return
    name = entry.get("action")
    if name is None:
        return  # no action: the operation answers its example
    if name not in parameters:
        yield f"{key}.action: unknown action {name!r} (known: {', '.join(sorted(parameters))})"
        return
    required, optional = parameters[name]
    given = set(entry) - {"action"}
    for missing in sorted(required - given):
        yield f"{key}.{missing}: required by action {name!r}, missing"
    for unknown in sorted(given - required - optional):
        allowed = ", ".join(sorted(required | optional))
        yield f"{key}.{unknown}: not a parameter of action {name!r} (expected one of: {allowed})"
    known = _situations(profile)
    for field, value in (
        ("refused", entry.get("refused")),
        ("unknown_situation", entry.get("unknown_situation")),
        ("debit.refused", (entry.get("debit") or {}).get("refused")),
    ):
        if value is not None and value not in known:
            yield f"{key}.{field}: situation {value!r} is not in the profile's situations"
    if "debit" in entry:
        debit = entry["debit"]
        if not isinstance(debit, Mapping) or not {"ledger", "refused"} <= set(debit):
            yield f"{key}.debit: expected a mapping with 'ledger' and 'refused'"
    if "owner" in entry:
        owner = entry["owner"]
        if not isinstance(owner, Mapping) or not {"param", "credential"} <= set(owner):
            yield f"{key}.owner: expected a mapping with 'param' and 'credential'"
    if arguments is not None:  # a parameter the operation does not have reads as None: a 404
        named = [("param", entry.get("param"))]
        if isinstance(entry.get("owner"), Mapping):
            named.append(("owner.param", entry["owner"].get("param")))
        for field, value in named:
            if value is not None and value not in arguments:
                names = ", ".join(sorted(arguments)) or "none"
                yield (
                    f"{key}.{field}: {value!r} is not a parameter of the operation "
                    f"(its parameters, as the handler gets them: {names})"
                )
    if "envelope" in entry:
        envelope = entry["envelope"]
        if not isinstance(envelope, Mapping) or not set(envelope) >= ENVELOPE_KEYS:
            yield f"{key}.envelope: expected a mapping with keys {', '.join(sorted(ENVELOPE_KEYS))}"
    for pointer, rule in (entry.get("derive") or {}).items():
        if not str(pointer).startswith("/"):
            yield f"{key}.derive.{pointer}: expected a JSON pointer starting with '/'"
        if not isinstance(rule, Mapping) or len(set(rule) & DERIVE_RULES) != 1:
            rules = ", ".join(sorted(DERIVE_RULES))
            yield f"{key}.derive.{pointer}: expected exactly one of {rules}"
    seed = entry.get("seed")
    if seed is not None and seed not in operation_ids:
        yield f"{key}.seed: operationId {seed!r} is not in the spec"


def problems(
    profile: Profile,
    operation_ids: Collection[str],
    parameters: Parameters,
    arguments: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Every mistake in ``profile``'s ``state`` and ``operations`` sections. ``arguments``:
    each operation's parameter names as its handler gets them (checked when given)."""
    found: list[str] = []
    for operation, entry in profile.state.items():
        if operation not in operation_ids:
            found.append(f"state.{operation}: operationId {operation!r} is not in the spec")
            continue
        given = None if arguments is None else arguments.get(operation, ())
        found += _state_problems(
            f"state.{operation}", entry, profile, operation_ids, parameters, given
        )
    for operation in profile.operation_situations:
        if operation not in operation_ids:
            found.append(f"operations.{operation}: operationId {operation!r} is not in the spec")
    return found


def require(
    profile: Profile,
    operation_ids: Collection[str],
    parameters: Parameters,
    arguments: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Raise :class:`ProfileError` naming the profile's file and every problem found."""
    found = problems(profile, operation_ids, parameters, arguments)
    source = profile.source or profile.name
    if found:
        lines = "\n".join(f"  {source}: {p}" for p in found)
        raise ProfileError(f"profile {source} cannot be served:\n{lines}")
