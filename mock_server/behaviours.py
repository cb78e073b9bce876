"""What an operation does beyond returning its example: the state actions a profile names.

``profile.state[operationId]`` is ``{action: <name>, ...parameters}``; each action is a small
function here (a registry, like schemathesis' checks). Responses start from the spec's own
success example, so what the mock answers always has the documented shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .auth import Principal
from .runtime import Api, Runtime
from .specindex import Operation


@dataclass(frozen=True)
class Call:
    """Everything an action may look at."""

    runtime: Runtime
    api: Api
    operation: Operation
    principal: Principal
    params: Mapping[str, Any]  # connexion's arguments: path/query params, `body`, form fields
    spec: Mapping[str, Any]  # the profile's state entry for this operation


Result = tuple[Any, int]
Action = Callable[[Call], Result]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn

    return register


def pointer_get(value: Any, pointer: str) -> Any:
    for part in (p for p in pointer.split("/") if p):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def success(operation: Operation) -> Result:
    response = operation.success()
    name = next(iter(response.examples), None)
    body = copy.deepcopy(response.examples[name]) if name else None
    return body, int(response.status)


def run(call: Call) -> Result:
    name = call.spec.get("action")
    if name is None:
        return success(call.operation)
    return ACTIONS[name](call)


@action("ingest")
def ingest(call: Call) -> Result:
    """Accept items idempotently by key; hand the new ones to the ``ingested`` listeners.

    Parameters: ``collection``, ``items`` (pointer to the list in the body), ``key`` (pointer
    within an item).
    """
    items = pointer_get(call.params.get("body"), call.spec["items"]) or []
    fresh = []
    for item in items:
        key = str(pointer_get(item, call.spec["key"]))
        if call.runtime.store.add(call.principal.namespace, call.spec["collection"], key, item):
            fresh.append(item)
    for listener in call.runtime.extras.get("ingested", []):
        listener(call, fresh)
    return success(call.operation)
