"""Callbacks: items an operation accepts are "processed" in the background, then the mock calls
back as the spec's ``callbacks`` declare (delivery, retries and the journal: :mod:`.egress`).

What to send is data in the profile, under ``callbacks.<operationId>``::

    callback: <name>      # the operation's `callbacks` entry in the spec (method, body schema)
    url: <pointer>        # JSON pointer into the accepted item; no URL there, no callback
    body: <template>      # "/pointer" copies from the item, "$name" is a value (below);
                          # a trailing "?" drops the key when the value is absent or empty
    success: {<name>: <value>, ...}   # values of a successful processing
    failure: {<name>: <value>, ...}   # values of a failed one
    fail_when: {at: <pointer>, equals: <value>}   # failure on demand, per item

Values: those of the outcome, plus ``$now`` (the processing time, UTC ``YYYY-MM-DDThh:mm:ssZ``).
The body is built once, at the first attempt; retries resend it unchanged.

The state actions call listeners in ``runtime.extras["ingested"]`` with ``(call, items)``; only
items accepted for the first time arrive, so each item is called back once. Nothing here names a
partner.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jsonpointer import resolve_pointer

from .egress import AllowList, Delivery, Dispatcher, HttpxSender, Scheduler, ThreadScheduler
from .journal import Journal
from .specindex import METHODS, resolve
from .wire import utc_stamp

if TYPE_CHECKING:
    from .behaviours import Call
    from .runtime import Api, Runtime

EXTRA = "callbacks"  # runtime.extras key of the installed :class:`Callbacks`
SUCCESS, FAILURE = "success", "failure"
_ABSENT = object()


# --- pure functions ---------------------------------------------------------------------------


def pointer(document: Any, path: str) -> Any:
    """RFC 6901 lookup; ``_ABSENT`` when the path does not exist."""
    return resolve_pointer(document, path, _ABSENT)


def render_body(template: Any, item: Any, values: Mapping[str, Any]) -> Any:
    """Fill ``template`` from ``item`` (``/pointer``) and ``values`` (``$name``)."""
    if isinstance(template, Mapping):
        out: dict[str, Any] = {}
        for key, sub in template.items():
            value = render_body(sub, item, values)
            optional = isinstance(sub, str) and sub[:1] in "/$" and sub.endswith("?")
            if optional and value in (None, "", [], {}):
                continue
            out[key] = value
        return out
    if isinstance(template, list):
        return [render_body(sub, item, values) for sub in template]
    if isinstance(template, str) and template[:1] in "/$":
        name = template[:-1] if template.endswith("?") else template
        value = pointer(item, name) if name.startswith("/") else values.get(name[1:], _ABSENT)
        return None if value is _ABSENT else value
    return template


@dataclass(frozen=True)
class Rule:
    """One profile ``callbacks`` entry, checked against the spec."""

    operation: str
    callback: str
    method: str
    url: str
    body: Any
    success: Mapping[str, Any]
    failure: Mapping[str, Any]
    fail_when: tuple[str, Any] | None  # (pointer, value)

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
        return render_body(self.body, item, self.values(outcome, epoch))


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


def load_rules(doc: Mapping[str, Any], section: Mapping[str, Any]) -> dict[str, Rule]:
    """A profile's ``callbacks`` section, by operationId; LookupError/KeyError if inconsistent."""
    rules = {}
    for operation_id, raw in section.items():
        method, _ = declared_callback(doc, operation_id, raw["callback"])
        when = raw.get("fail_when")
        rules[operation_id] = Rule(
            operation=operation_id,
            callback=raw["callback"],
            method=method,
            url=raw["url"],
            body=raw["body"],
            success=raw.get("success", {}),
            failure=raw.get("failure", {}),
            fail_when=(when["at"], when["equals"]) if when else None,
        )
    return rules


# --- the adapter --------------------------------------------------------------------------------


class Callbacks:
    """Turns accepted items into deliveries; owns the dispatcher and its journal."""

    def __init__(
        self,
        rules: Mapping[tuple[str, str], Rule],
        dispatcher: Dispatcher,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.rules = rules
        self.dispatcher = dispatcher
        self._close = close

    def on_accepted(self, call: Call, items: list[Any]) -> None:
        """The ``ingested`` listener: schedule one callback per item that names a URL."""
        rule = self.rules.get((call.api.name, call.operation.operation_id))
        if rule is None:
            return
        for item in items:
            url = pointer(item, rule.url)
            if not isinstance(url, str) or not url:
                continue
            outcome = rule.outcome(item)
            self.dispatcher.submit(
                Delivery(
                    api=call.api.name,
                    operation=rule.operation,
                    callback=rule.callback,
                    method=rule.method,
                    url=url,
                    outcome=outcome,
                    render=functools.partial(rule.build, item, outcome),
                    credential=call.principal.credential,
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


def rules_of(apis: list[Api]) -> dict[tuple[str, str], Rule]:
    out = {}
    for api in apis:
        section = api.profile.raw.get("callbacks") or {}
        for operation_id, rule in load_rules(api.doc, section).items():
            out[(api.name, operation_id)] = rule
    return out


def install(runtime: Runtime, scheduler: Scheduler | None = None) -> Callbacks:
    """Attach callbacks to ``runtime``: the ``ingested`` listener, the reset hook, the journal.

    ``scheduler`` defaults to a :class:`ThreadScheduler`; tests pass one they drive.
    """
    config = runtime.config
    sender = HttpxSender(config.callback_timeout, config.callback_ca_file)
    dispatcher = Dispatcher(
        allow=AllowList.parse(config.callback_allow),
        delay=config.callback_delay,
        backoff_base=config.callback_backoff,
        retries=config.callback_retries,
        scheduler=scheduler or ThreadScheduler(config.callback_workers, config.callback_queue_size),
        send=sender,
        clock=runtime.clock,
        journal_size=config.callback_journal_size,
        journal_body_bytes=config.journal_body_bytes,
    )
    # Bounded in bytes too (the dispatcher's own journal is bounded by count only).
    dispatcher.journal = Journal(
        config.callback_journal_size, config.callback_journal_bytes, config.journal_entry_bytes
    )
    callbacks = Callbacks(rules_of(runtime.apis), dispatcher, sender.close)
    runtime.extras[EXTRA] = callbacks
    runtime.extras.setdefault("ingested", []).append(callbacks.on_accepted)
    runtime.extras.setdefault("reset", []).append(callbacks.reset)
    return callbacks


def journal_route(
    runtime: Runtime,
    query: Mapping[str, str],
    sees: Callable[[Mapping[str, Any]], bool] = lambda e: True,
) -> tuple[int, Any]:
    """The admin route's handler; 404 when callbacks are not installed."""
    callbacks = runtime.extras.get(EXTRA)
    if not isinstance(callbacks, Callbacks):
        return 404, {"message": "callbacks are not enabled"}
    return callbacks.journal(query, sees)
