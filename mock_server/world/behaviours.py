"""What an operation does beyond returning its example: the state actions a profile names.

``profile.state[operationId]`` is ``{action: <name>, ...parameters}``; each action is a small
function here (a registry, like schemathesis' checks). Responses start from the spec's own
success example, so what the mock answers always has the documented shape.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.checks.validation import csv_rows
from mock_server.core import pointers
from mock_server.core.problems import Problem, Rejection
from mock_server.core.specindex import Operation
from mock_server.core.template import fill_text
from mock_server.core.wire import utc_stamp
from mock_server.rules.api import Api
from mock_server.rules.auth import Principal, issue_jwt
from mock_server.world.runtime import Runtime


@dataclass(frozen=True)
class Call:
    """Everything an action may look at."""

    runtime: Runtime
    api: Api
    operation: Operation
    principal: Principal
    params: Mapping[str, Any]  # connexion's arguments: path/query params, `body`, form fields
    state_entry: Mapping[str, Any]  # the profile's `state.<operationId>`: action + parameters


Result = tuple[Any, int]
Action = Callable[[Call], Result]
ACTIONS: dict[str, Action] = {}
# Each action's parameters, (required, optional): checked against every profile at start-up
# (profilecheck.py), so a profile mistake stops the mock instead of answering a 500.
PARAMETERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def action(
    name: str, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        PARAMETERS[name] = (frozenset(required), frozenset(optional))
        return fn

    return register


def _ns(call: Call) -> str:
    """The caller's state namespace in this API (state is never shared across APIs)."""
    return call.principal.namespace(call.api.name)


def pointer_get(value: Any, pointer: str) -> Any:
    """RFC 6901 lookup (escapes and list indices included); None where nothing is."""
    return pointers.lookup(value, pointer)


def success(operation: Operation) -> Result:
    """The operation's first success example and status. The example is shared, not copied:
    actions build new containers on top of it and never write into it (see _set_pointer)."""
    response = operation.success()
    name = next(iter(response.examples), None)
    return (response.examples[name] if name else None), int(response.status)


def run(call: Call) -> Result:
    name = call.state_entry.get("action")
    if name is None:
        return success(call.operation)
    return ACTIONS[name](call)


def _announce(call: Call, items: list[Any]) -> None:
    """Hand items accepted for the first time to the runtime's ``ingested`` listeners."""
    for listener in call.runtime.ingested:
        listener(call.api.name, call.operation.operation_id, call.principal.credential, items)


@action("ingest", required=("collection", "items", "key"))
def ingest(call: Call) -> Result:
    """Accept items idempotently by key; hand the new ones to the ``ingested`` listeners.

    Parameters: ``collection``, ``items`` (pointer to the list in the body), ``key`` (pointer
    within an item).
    """
    items = pointer_get(call.params.get("body"), call.state_entry["items"]) or []
    entries = [(str(pointer_get(item, call.state_entry["key"])), item) for item in items]
    # one store step: the whole batch is accepted, or (over the store's budget) none of it
    added = call.runtime.store.add_many(_ns(call), call.state_entry["collection"], entries)
    fresh = [item for item, new in zip(items, added, strict=True) if new]
    _announce(call, fresh)
    return success(call.operation)


# --- resources: create, read, list, update -------------------------------------------------
#
# A resource is stored as the request's fields plus what the mock generates (id, timestamps).
# Every answer starts from the operation's own success example and takes from the resource
# only the keys that example has, so it always keeps the documented shape.


def _overlay(example: Any, resource: Mapping[str, Any]) -> Any:
    """The example's keys, each with the resource's value where it has one. A stored resource
    whose keys already are the example's, in its order (what create and seed store), is its own
    overlay: it is answered as it is, shared, not copied (answers are only serialized).
    Building a dict per item was a fifth of a 20-item list GET."""
    if not isinstance(example, dict):
        return example
    if type(resource) is dict and tuple(resource) == tuple(example):
        return resource
    return {key: resource.get(key, value) for key, value in example.items()}


def _now(call: Call) -> str:
    return utc_stamp(call.runtime.clock())


def _credential(call: Call) -> Mapping[str, Any]:
    name = call.principal.credential
    return next((c for c in call.api.credentials if c.get("name") == name), {})


def _check_owner(call: Call) -> None:
    """``owner: {param, credential}``: the path parameter must name the caller's own resource."""
    owner = call.state_entry.get("owner")
    if owner is None:
        return
    wanted = _credential(call).get(owner["credential"])
    if wanted is None or str(call.params.get(owner["param"])) != str(wanted):
        raise Rejection("not_found")


def _check_known(call: Call, body: Mapping[str, Any]) -> None:
    """``known: {field: [values]}``: references to things the sandbox has (else not_found)."""
    for field, values in call.state_entry.get("known", {}).items():
        if field in body and str(body[field]) not in {str(v) for v in values}:
            raise Rejection(
                call.state_entry.get("unknown_situation", "not_found"),
                problems=[
                    Problem(
                        "body", (field,), "known", f"no {field} {body[field]}", {"field": field}
                    )
                ],
            )


def _read_upload(value: Any) -> bytes:
    """An uploaded file's bytes under either app kind (Starlette UploadFile or werkzeug
    FileStorage)."""
    handle = getattr(value, "file", value)
    if hasattr(handle, "seek"):
        handle.seek(0)
    data = handle.read() if hasattr(handle, "read") else value
    return data if isinstance(data, bytes) else str(data).encode()


def _derived(call: Call, body: Mapping[str, Any]) -> dict[str, Any]:
    """``derive: {"/a/b": rule}``: values computed from the request. Rules: ``{rows_of:
    field}`` (the data rows of an uploaded CSV, by its ``x-csv-rows`` rule), ``{count_of:
    field}`` (the length of an array; with ``text``, that count formatted into it), ``{value: v}``
    (a constant)."""
    out: dict[str, Any] = {}
    for pointer, rule in call.state_entry.get("derive", {}).items():
        if "value" in rule:
            out[pointer] = rule["value"]
        elif "count_of" in rule and isinstance(body.get(rule["count_of"]), list):
            count = len(body[rule["count_of"]])
            # ``text``: the count worded, e.g. "Processing {count:,} messages" (template.py)
            out[pointer] = fill_text(rule["text"], {"count": count}) if "text" in rule else count
        elif "rows_of" in rule and rule["rows_of"] in body:
            csv_rule = call.operation.upload_rules.get(rule["rows_of"], {})
            out[pointer] = len(csv_rows(_read_upload(body[rule["rows_of"]]), csv_rule) or [])
    return out


def _set_pointer(target: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``value`` at ``pointer``, copying each nested object on the way (copy-on-write), so
    objects shared with the spec's examples are never changed."""
    parts = pointers.parse(pointer).parts  # RFC 6901: "~1" is "/", "~0" is "~"
    for part in parts[:-1]:
        nested = target.get(part)
        target[part] = dict(nested) if isinstance(nested, dict) else {}
        target = target[part]
    target[parts[-1]] = value


def _request_fields(call: Call) -> dict[str, Any]:
    """The request body's fields; for multipart bodies connexion passes files separately."""
    body = call.params.get("body")
    fields = dict(body) if isinstance(body, dict) else {}
    for name, value in call.params.items():
        if hasattr(value, "read") or hasattr(value, "file"):
            fields[name] = value
    return fields


@action(
    "create",
    required=("collection",),
    optional=("id", "known", "unknown_situation", "derive", "debit", "timestamps"),
)
def create(call: Call) -> Result:
    """Store a new resource. Parameters: ``collection``; ``id`` (the field, or fields, that
    carry the new id; default ``id``); ``known``; ``derive``; ``debit`` (see :func:`debit`);
    ``timestamps`` (fields set to now).

    The resource starts from the success example (for what only the server sets: status,
    currency …), then every request property: the value sent, else the schema's default, else
    null. So nothing a client could have sent is ever a sample value from the docs.
    """
    fields = _request_fields(call)
    _check_known(call, fields)
    example, status = success(call.operation)
    id_fields = call.state_entry.get("id", ["id"])
    id_fields = [id_fields] if isinstance(id_fields, str) else id_fields
    resource: dict[str, Any] = {
        **(example if isinstance(example, dict) else {}),
        **call.operation.request_defaults,
        **fields,
    }
    new_id: str | int = str(uuid.uuid4())
    if call.operation.success().property_types.get(id_fields[0]) == "integer":
        new_id = _next_integer(call)
    for field in id_fields:
        resource[field] = new_id
    for field in call.state_entry.get("timestamps", ["created_at"]):
        resource[field] = _now(call)
    for pointer, value in _derived(call, fields).items():
        _set_pointer(resource, pointer, value)
    for key, value in list(resource.items()):
        if not isinstance(value, str | int | float | bool | dict | list | type(None)):
            resource[key] = None if key not in (example or {}) else example[key]
    namespace, collection, key = _ns(call), call.state_entry["collection"], str(new_id)
    call.runtime.store.put(namespace, collection, key, resource)
    if "debit" in call.state_entry:
        # Stored before it is paid for, so that a write the store's budget refuses never spends
        # the balance; a resource the debit then refuses is taken back.
        try:
            debit(call, call.state_entry["debit"])
        except Exception:
            call.runtime.store.delete(namespace, collection, key)
            raise
    _announce(call, [resource])
    return _overlay(example, resource), status


def _next_integer(call: Call) -> int:
    """The collection's next integer id (1, 2, …; never reused after a delete), taken in one
    store step so concurrent creates cannot get the same id."""
    taken = call.runtime.store.update(
        _ns(call),
        "ids",
        call.state_entry["collection"],
        lambda c: {"value": (c or {}).get("value", 0) + 1},
    )
    return int(taken["value"])


@action(
    "get", required=("collection", "param"), optional=("owner", "singleton", "seed", "id_field")
)
def get(call: Call) -> Result:
    """Read a stored resource. Parameters: ``collection``; ``param`` (path parameter holding the
    id); optional ``owner``; ``singleton: true`` for a resource that exists before any write
    (answered from its seed, see :func:`_seed`)."""
    _check_owner(call)
    example, status = success(call.operation)
    key = str(call.params.get(call.state_entry["param"]))
    resource = call.runtime.store.get(_ns(call), call.state_entry["collection"], key)
    if resource is None:
        if not call.state_entry.get("singleton"):
            raise Rejection("not_found")
        resource = _seed(call, key)
    return _overlay(example, resource), status


@action("update", required=("collection", "param"), optional=("owner", "seed", "id_field"))
def update(call: Call) -> Result:
    """Merge the body into a stored resource (seeded on first use, see :func:`_seed`).
    Parameters: ``collection``, ``param``, optional ``owner``, ``seed``, ``id_field``."""
    _check_owner(call)
    example, status = success(call.operation)
    key = str(call.params.get(call.state_entry["param"]))
    namespace, collection = _ns(call), call.state_entry["collection"]
    fields = _request_fields(call)
    updated = call.runtime.store.update(
        namespace, collection, key, lambda current: {**(current or _seed(call, key)), **fields}
    )
    return _overlay(example, updated), status


@action("replace", required=("collection", "param"), optional=("owner", "timestamps"))
def replace(call: Call) -> Result:
    """PUT: replace a stored resource (not_found if absent). Every request property takes the
    value sent, else the schema's default, else null; what the client cannot send (the id,
    ``created_at`` …) is kept. Parameters: ``collection``, ``param``, optional ``owner``,
    ``timestamps`` (fields set to now, e.g. ``updated_at``; default none)."""
    _check_owner(call)
    example, status = success(call.operation)
    key = str(call.params.get(call.state_entry["param"]))
    fields = _request_fields(call)
    _check_known(call, fields)
    stamps = {field: _now(call) for field in call.state_entry.get("timestamps", [])}

    def swap(current: dict[str, Any] | None) -> dict[str, Any]:
        if current is None:
            raise Rejection("not_found")
        kept = {k: v for k, v in current.items() if k not in call.operation.request_defaults}
        return {**kept, **call.operation.request_defaults, **fields, **stamps}

    replaced = call.runtime.store.update(_ns(call), call.state_entry["collection"], key, swap)
    return _overlay(example, replaced), status


@action("delete", required=("collection", "param"), optional=("owner",))
def delete(call: Call) -> Result:
    """Remove a stored resource (not_found if absent); answers the success response, a bodiless
    204 when that is what the spec documents."""
    _check_owner(call)
    key = str(call.params.get(call.state_entry["param"]))
    if not call.runtime.store.delete(_ns(call), call.state_entry["collection"], key):
        raise Rejection("not_found")
    return success(call.operation)


def _seed(call: Call, key: str) -> dict[str, Any]:
    """A resource before any write: the success example of ``seed`` (an operationId; default
    this operation), with ``id_field`` set to the key it is stored under."""
    operation = call.api.operations.get(call.state_entry.get("seed", ""), call.operation)
    example, _ = success(operation)
    seeded = dict(example) if isinstance(example, dict) else {}
    if "id_field" in call.state_entry:
        seeded[call.state_entry["id_field"]] = key
    return seeded


@action(
    "list",
    required=("collection",),
    optional=(
        *("envelope", "page", "size", "default_size", "filters"),
        *("order_by", "order", "order_by_param", "order_param", "order_fields"),
    ),
)
def list_resources(call: Call) -> Result:
    """A filtered, ordered page of a collection. Parameters: ``collection``; ``filters``
    ({query param: field}); ``page``/``size`` (query param names); ``order_by``/``order``
    (query param names or fixed values); ``order_fields`` (the fields ``order_by_param`` may
    name, each kept as a sorted index, see runtime.list_indexes); ``envelope`` ({items, page,
    size, total, pages}: the response's field names).

    A paged list whose filters and order the store keeps as an index reads only its page from
    the store; any other list sorts the collection (the same order: sort field, then write
    order)."""
    example, status = success(call.operation)
    entry = call.state_entry
    order_by = call.params.get(entry.get("order_by_param", ""), entry.get("order_by", "created_at"))
    descending = call.params.get(entry.get("order_param", ""), entry.get("order", "desc")) == "desc"
    page = int(call.params.get(entry.get("page", ""), 1))
    size = int(call.params.get(entry.get("size", ""), entry.get("default_size", 20)))
    filters = [
        (field, call.params.get(param))
        for param, field in entry.get("filters", {}).items()
        if call.params.get(param) is not None
    ]
    index = (tuple(field for field, _ in filters), str(order_by))
    store, collection = call.runtime.store, entry["collection"]
    paged = "envelope" in entry or "page" in entry
    if paged and store.indexed(collection, index):
        start = (page - 1) * size
        where = tuple(str(wanted) for _, wanted in filters)
        shown, total = store.page(
            _ns(call), collection, index, where, start, start + size, descending
        )
    else:
        items = store.items(_ns(call), collection)
        for field, wanted in filters:
            items = [i for i in items if str(i.get(field)) == str(wanted)]
        indexed = list(enumerate(items))  # insertion order breaks ties, newest last
        indexed.sort(key=lambda pair: (str(pair[1].get(order_by, "")), pair[0]), reverse=descending)
        items = [item for _, item in indexed]
        shown = items[(page - 1) * size : page * size] if paged else items
        total = len(items)
    if "envelope" not in entry:  # a bare JSON array: every item, or a page if the spec pages
        template = (example if isinstance(example, list) and example else [{}])[0]
        return [_overlay(template, i) for i in shown], status
    names = entry["envelope"]
    body = dict(example)
    template = (example.get(names["items"]) or [{}])[0]
    body[names["items"]] = [_overlay(template, i) for i in shown]
    body[names["page"]], body[names["size"]], body[names["total"]] = page, size, total
    body[names["pages"]] = (total + size - 1) // size
    return body, status


# --- credentials and money ---------------------------------------------------------------


@action("login", required=("match", "token", "expires_in"), optional=("refused",))
def login(call: Call) -> Result:
    """Exchange sandbox credentials for a JWT the mock itself signs. Parameters: ``match``
    ({body field: credential field}); ``token`` and ``expires_in`` (response fields)."""
    body = call.params.get("body") or {}
    found = None
    for credential in call.api.credentials:
        checks = [
            hmac.compare_digest(str(body.get(f, "")).encode(), str(credential.get(c, "")).encode())
            for f, c in call.state_entry["match"].items()
        ]
        if all(checks) and all(credential.get(c) for c in call.state_entry["match"].values()):
            found = credential
    if found is None:
        raise Rejection(call.state_entry.get("refused", "invalid_credential"))
    example, status = success(call.operation)
    ttl = call.runtime.config.jwt_ttl
    token = issue_jwt(str(found["name"]), call.runtime.config.jwt_secret, call.runtime.clock(), ttl)
    return {
        **example,
        call.state_entry["token"]: token,
        call.state_entry["expires_in"]: ttl,
    }, status


def _balance(call: Call, entry: Mapping[str, Any], stored: Mapping[str, Any] | None) -> float:
    if stored is not None:
        return float(stored["value"])
    return float(_credential(call).get(entry.get("initial_from", entry["ledger"]), 0))


def debit(call: Call, entry: Mapping[str, Any]) -> None:
    """Take ``amount`` from the caller's ledger, or refuse with ``refused`` (the situation) when
    the balance is below ``amount`` or ``minimum``. The ledger starts at the credential's
    ``initial_from`` field. Check and debit are one store step, so concurrent calls cannot
    both spend the same balance."""
    amount = float(entry.get("amount", 0))

    def take(current: dict[str, Any] | None) -> dict[str, Any]:
        balance = _balance(call, entry, current)
        if balance < max(amount, float(entry.get("minimum", 0))):
            raise Rejection(entry["refused"], params={"balance": f"{balance:.2f}"})
        return {"value": balance - amount}

    call.runtime.store.update(_ns(call), "ledger", entry["ledger"], take)


@action("balance", required=("ledger", "field"), optional=("initial_from",))
def balance(call: Call) -> Result:
    """The caller's ledger in the success example's ``field``."""
    example, status = success(call.operation)
    stored = call.runtime.store.get(_ns(call), "ledger", call.state_entry["ledger"])
    return {
        **example,
        call.state_entry["field"]: round(_balance(call, call.state_entry, stored), 2),
    }, status
