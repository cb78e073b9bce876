"""Callbacks: items an operation accepts are "processed" in the background, then the mock calls
back as the spec's ``callbacks`` declare (delivery, retries and the journal: :mod:`.egress`).

What to send is data in the profile, under ``callbacks.<operationId>``::

    callback: <name>      # the operation's `callbacks` entry in the spec (method, body schema)
    url: <pointer>        # JSON pointer into the accepted item; no URL there, no callback
    body: <template>      # "{/pointer}" copies from the item, "{name}" is a value (below);
                          # "{name?}" drops the key when the value is absent or empty
                          # (one syntax with the error envelope: template.py)
    success: {<name>: <value>, ...}   # values of a successful processing
    failure: {<name>: <value>, ...}   # values of a failed one
    fail_when: {at: <pointer>, equals: <value>}   # failure on demand, per item

Values: those of the outcome, plus ``{now}`` (the processing time, UTC ``YYYY-MM-DDThh:mm:ssZ``).
The body is built once, at the first attempt; retries resend it unchanged.

The state actions call the runtime's ``ingested`` listeners with plain arguments ``(api,
operation, credential, items)``; only items accepted for the first time arrive, so each item is
called back once. This module knows nothing of the runtime: the composition root
(``runtime.build_runtime``) builds :class:`Callbacks` and wires its listener and reset hook in.
Nothing here names a partner.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.core import pointers
from mock_server.core.config import Config
from mock_server.core.profile import CallbackEntry, ProfileError
from mock_server.core.specindex import METHODS, resolve
from mock_server.core.template import fill
from mock_server.core.wire import utc_stamp
from mock_server.outbound.egress import (
    STATES,
    AllowList,
    Delivery,
    Dispatcher,
    HttpxSender,
    Scheduler,
    ThreadScheduler,
)
from mock_server.rules.api import Api
from mock_server.state.journal import Journal

SUCCESS, FAILURE = "success", "failure"
_ABSENT = object()


# --- pure functions ---------------------------------------------------------------------------


def pointer(document: Any, path: str) -> Any:
    """RFC 6901 lookup; ``_ABSENT`` when the path does not exist."""
    return pointers.lookup(document, path, _ABSENT)


@dataclass(frozen=True)
class CallbackRule(CallbackEntry):
    """One profile ``callbacks`` entry, checked against the spec, with the declared method."""

    method: str

    def outcome(self, item: Any) -> str:
        """``failure`` when the item asks for it (``fail_when``), else ``success``."""
        if self.fail_when is not None:
            at, expected = self.fail_when
            if pointer(item, at) == expected:
                return FAILURE
        return SUCCESS

    def values(self, outcome: str, epoch: float) -> dict[str, Any]:
        chosen = self.failure if outcome == FAILURE else self.success
        return {**chosen, "now": utc_stamp(epoch)}

    def build(self, item: Any, outcome: str, epoch: float) -> Any:
        return fill(self.body, self.values(outcome, epoch), item)


def declared_callback(doc: Mapping[str, Any], operation_id: str, name: str) -> tuple[str, Any]:
    """``(method, operation)`` of the callback ``name`` declared on ``operation_id``."""
    for item in doc.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None or operation.get("operationId") != operation_id:
                continue
            declared = resolve(doc, operation.get("callbacks", {}).get(name))
            if not declared:
                raise LookupError(f"{operation_id} declares no callback {name!r}")
            path_item = resolve(doc, next(iter(declared.values())))
            for callback_method in METHODS:
                if callback_method in path_item:
                    return callback_method.upper(), path_item[callback_method]
            raise LookupError(f"callback {name!r} of {operation_id} has no operation")
    raise LookupError(f"no operation {operation_id!r}")


def callback_schema(doc: Mapping[str, Any], operation_id: str, name: str) -> Any:
    """The JSON schema of the declared callback's request body (``$ref``s unresolved)."""
    _, operation = declared_callback(doc, operation_id, name)
    content = resolve(doc, operation["requestBody"])["content"]
    return content.get("application/json", next(iter(content.values())))["schema"]


def load_rules(
    doc: Mapping[str, Any], entries: Mapping[str, CallbackEntry]
) -> dict[str, CallbackRule]:
    """A profile's parsed ``callbacks`` entries checked against the spec, by operationId;
    LookupError if the spec does not declare the callback."""
    rules = {}
    for operation_id, entry in entries.items():
        method, _ = declared_callback(doc, operation_id, entry.callback)
        fields = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
        rules[operation_id] = CallbackRule(**fields, method=method)
    return rules


# --- the adapter --------------------------------------------------------------------------------


class Callbacks:
    """Turns accepted items into deliveries; owns the dispatcher and its journal."""

    def __init__(
        self,
        rules: Mapping[tuple[str, str], CallbackRule],
        dispatcher: Dispatcher,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.rules = rules
        self.dispatcher = dispatcher
        self._close = close

    def on_accepted(self, api: str, operation: str, credential: str, items: list[Any]) -> None:
        """The ``ingested`` listener: schedule one callback per item that names a URL."""
        rule = self.rules.get((api, operation))
        if rule is None:
            return
        for item in items:
            url = pointer(item, rule.url)
            if not isinstance(url, str) or not url:
                continue
            outcome = rule.outcome(item)
            self.dispatcher.submit(
                Delivery(
                    api=api,
                    operation=rule.operation,
                    callback=rule.callback,
                    method=rule.method,
                    url=url,
                    outcome=outcome,
                    render=functools.partial(rule.build, item, outcome),
                    credential=credential,
                )
            )

    def journal(
        self, query: Mapping[str, str], sees: Callable[[Mapping[str, Any]], bool] = lambda e: True
    ) -> tuple[int, Any]:
        """``GET /__mock/callbacks?api=&state=&limit=``: every attempt ``sees`` admits (the
        caller's own, for a partner: admin.py), newest first."""
        limit = query.get("limit", "100")
        if not limit.isdigit():
            return 400, {"message": "limit must be an integer"}
        state = query.get("state")
        if state is not None and state not in STATES:
            return 400, {"message": f"state={state!r} is not a delivery state", "allowed": STATES}
        entries = [
            e
            for e in self.dispatcher.journal.query(query.get("api"), None, 1 << 30)
            if (state is None or e["state"] == state) and sees(e)
        ]
        return 200, {"entries": entries[: int(limit)]}

    def reset(self) -> None:
        self.dispatcher.reset()

    def stop(self) -> None:
        """Stop the background worker (pending deliveries are dropped) and close the client."""
        self.dispatcher.stop()
        self._close()


def rules_of(apis: list[Api]) -> dict[tuple[str, str], CallbackRule]:
    out = {}
    for api in apis:
        try:
            loaded = load_rules(api.spec, api.profile.callbacks)
        except LookupError as exc:  # a profile mistake: stop at start-up, naming the file
            source = api.profile.source or api.name
            raise ProfileError(f"profile {source}: callbacks: {exc}") from exc
        for operation_id, rule in loaded.items():
            out[(api.name, operation_id)] = rule
    return out


def build(
    config: Config,
    apis: list[Api],
    clock: Callable[[], float],
    journal: Journal,
    scheduler: Scheduler | None = None,
) -> Callbacks:
    """The callbacks of ``apis``: rules, dispatcher, sender (the caller wires the listener);
    ``journal`` records every delivery attempt (in memory or on Redis, the caller's choice).

    ``scheduler`` defaults to a :class:`ThreadScheduler`; tests pass one they drive.
    """
    sender = HttpxSender(config.callback_timeout, config.callback_ca_file)
    dispatcher = Dispatcher(
        allow=AllowList.parse(
            config.callback_allow, config.callback_allow_private, config.callback_loopback_ports
        ),
        delay=config.callback_delay,
        backoff_base=config.callback_backoff,
        retries=config.callback_retries,
        scheduler=scheduler or ThreadScheduler(config.callback_workers, config.callback_queue_size),
        send=sender,
        clock=clock,
        journal=journal,
        journal_body_bytes=config.journal_body_bytes,
    )
    return Callbacks(rules_of(apis), dispatcher, sender.close)


def journal_route(
    installed: Callbacks | None,
    query: Mapping[str, str],
    sees: Callable[[Mapping[str, Any]], bool] = lambda e: True,
) -> tuple[int, Any]:
    """The admin route's handler; 404 when callbacks are not installed."""
    if installed is None:
        return 404, {"message": "callbacks are not enabled"}
    return installed.journal(query, sees)
