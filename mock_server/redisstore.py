"""State on Redis (``--store redis://host:port/db``), so several workers and hosts act as one mock.

What lives here, under one key prefix (``mock`` by default):

* the :class:`~mock_server.store.Store`: per (namespace, collection) a hash ``<p>:h:<collection>:
  <namespace>`` of items (JSON) and a sorted set ``<p>:o:<collection>:<namespace>`` of their
  write order (lists page from it by rank). A namespace is ``json.dumps([api, credential,
  *partition])`` (auth.py), so keys are namespaced per API, credential and tenant. Bounds as in
  memory (store.py): per owner (credential) a hash ``<p>:u:<owner>`` of its namespaces' stored
  bytes (its length is the tenant count) and a counter ``<p>:b:<owner>`` of its bytes, checked
  against the :class:`~mock_server.store.Budget` before a write, which is refused whole
  (``storage_full``) when it would go over; at most ``max_items`` per collection (oldest of that
  collection dropped). Nothing expires or is evicted across namespaces: the budgets bound the
  data set (credentials are a fixed list), and ``/__mock/reset`` empties it;
* the request journal and the callback journal: capped lists (``LTRIM``), newest first;
* rate-limit windows: ``limits``' own Redis storage (keys ``LIMITS:*``), see runtime.py.

Atomicity across processes. Fixed read-modify-writes (``put``, ``add``, ``add_many``: budget
check, insert, order, trim, account; a journal append: next id, push, trim; ``items`` and
``page``: order then values) are Lua scripts, one round trip that Redis runs without
interleaving. ``update`` applies a *Python* function (a state action's own logic, e.g. spending
a balance), which cannot move into Lua without writing each behaviour twice; it uses WATCH/MULTI
instead (optimistic: read, compute, write only if the hash was untouched meanwhile, else retry).

Redis unreachable: every operation raises ``Rejection("unavailable")``, which the error handlers
answer in the partner's envelope with 503 and ``Retry-After``; nothing is acknowledged that was
not written. The client reconnects by itself when Redis returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import redis

from .journal import Journal
from .problems import Rejection
from .store import Budget, storage_full

# KEYS: hash, order, seq, usage (hash namespace -> bytes, per owner), owned (bytes, per owner).
# ARGV: mode, max_items, namespace, namespace budget, owner budget, tenant cap, then key/value
# pairs. Checks the budget for the whole batch before writing anything; returns {0, flag per
# entry (1 written)} or {1|2|3} when the tenant cap, namespace or owner budget refuses.
_WRITE = """
local h, o, usage, owned = KEYS[1], KEYS[2], KEYS[4], KEYS[5]
local mode, cap, ns = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local out, todo, seen, grow = {0}, {}, {}, 0
for i = 7, #ARGV, 2 do
  local key = ARGV[i]
  local fresh = not seen[key]
  if fresh and mode == 'add' and redis.call('HEXISTS', h, key) == 1 then fresh = false end
  if fresh then
    seen[key] = true
    todo[#todo + 1] = i
    grow = grow + string.len(ARGV[i + 1]) - redis.call('HSTRLEN', h, key)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
if #todo == 0 then return out end
local used = tonumber(redis.call('HGET', usage, ns) or '0')
if used == 0 and redis.call('HLEN', usage) >= tonumber(ARGV[6]) then return {1} end
if grow > 0 then
  if used + grow > tonumber(ARGV[4]) then return {2} end
  if tonumber(redis.call('GET', owned) or '0') + grow > tonumber(ARGV[5]) then return {3} end
end
for _, i in ipairs(todo) do
  local n = redis.call('INCR', KEYS[3])
  redis.call('HSET', h, ARGV[i], ARGV[i + 1])
  redis.call('ZADD', o, n, ARGV[i])
end
local extra = redis.call('ZCARD', o) - cap
if extra > 0 then
  local gone = redis.call('ZPOPMIN', o, extra)
  for i = 1, #gone, 2 do
    grow = grow - redis.call('HSTRLEN', h, gone[i])
    redis.call('HDEL', h, gone[i])
  end
end
if redis.call('HINCRBY', usage, ns, grow) <= 0 then redis.call('HDEL', usage, ns) end
redis.call('INCRBY', owned, grow)
return out
"""

# KEYS: order, hash; ARGV: start, stop (inclusive), newest first ("1"). The page's values, by
# rank in the sorted set (O(log N + page)), then the total.
_PAGE = """
local keys
if ARGV[3] == '1' then
  keys = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2])
else
  keys = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
end
local out = {}
for _, key in ipairs(keys) do
  local value = redis.call('HGET', KEYS[2], key)
  if value then out[#out + 1] = value end
end
out[#out + 1] = redis.call('ZCARD', KEYS[1])
return out
"""

_ITEMS = """
local out = {}
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local value = redis.call('HGET', KEYS[1], key)
  if value then out[#out + 1] = value end
end
return out
"""

# KEYS: hash, order, seq, usage, owned; ARGV: key, namespace
_DELETE = """
local size = redis.call('HSTRLEN', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[4], ARGV[2], -size) <= 0 then redis.call('HDEL', KEYS[4], ARGV[2]) end
redis.call('INCRBY', KEYS[5], -size)
return 1
"""

# The entry arrives as a JSON object without its id; the id is spliced in front here so that
# numbering and order agree across processes (cjson would turn an empty list into {}).
_RECORD = """
local id = redis.call('INCR', KEYS[2])
redis.call('LPUSH', KEYS[1], '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return id
"""


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that fails fast when Redis is away (the caller answers 503)."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=1.0, socket_timeout=2.0, health_check_interval=5
    )


@contextmanager
def _available() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise Rejection("unavailable", headers={"Retry-After": "1"}) from exc


_LIMITS = {1: "tenants", 2: "namespace", 3: "credential"}


def _own(namespace: str) -> str:
    return namespace


class RedisStore:
    """The :class:`~mock_server.store.Store` on Redis; see the module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "mock",
        max_items: int = 10_000,
        budget: Budget | None = None,
        owner: Callable[[str], str] = _own,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.max_items = max_items
        self.budget = budget or Budget()
        self.owner = owner
        self._write_script = client.register_script(_WRITE)
        self._page = client.register_script(_PAGE)
        self._items = client.register_script(_ITEMS)
        self._delete = client.register_script(_DELETE)

    def _keys(self, namespace: str, collection: str) -> list[str]:
        tail = f"{collection}:{namespace}"
        owner = self.owner(namespace)
        return [
            f"{self.prefix}:h:{tail}",
            f"{self.prefix}:o:{tail}",
            f"{self.prefix}:seq",
            f"{self.prefix}:u:{owner}",
            f"{self.prefix}:b:{owner}",
        ]

    def _args(
        self, mode: str, namespace: str, entries: Sequence[tuple[str, Any]]
    ) -> list[str | int]:
        budget = self.budget
        args: list[str | int] = [mode, self.max_items, namespace]
        args += [budget.namespace_bytes, budget.credential_bytes, budget.tenants]
        for key, value in entries:
            args += [key, json.dumps(value, default=str)]
        return args

    @staticmethod
    def _written(result: list[int]) -> list[bool]:
        if len(result) == 1 and result[0] != 0:
            raise storage_full(_LIMITS[int(result[0])])
        return [bool(flag) for flag in result[1:]]

    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None:
        with _available():
            raw = self.client.hget(self._keys(namespace, collection)[0], key)
        return None if raw is None else json.loads(raw)

    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None:
        args = self._args("put", namespace, [(key, value)])
        with _available():
            self._written(self._write_script(keys=self._keys(namespace, collection), args=args))

    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool:
        """Insert unless ``key`` is present; True when inserted (idempotent across processes)."""
        return self.add_many(namespace, collection, [(key, value)])[0]

    def add_many(
        self, namespace: str, collection: str, entries: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[bool]:
        """A batch of :meth:`add` in one script: all new entries written, or (over a budget)
        none."""
        if not entries:
            return []
        args = self._args("add", namespace, entries)
        with _available():
            return self._written(
                self._write_script(keys=self._keys(namespace, collection), args=args)
            )

    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]:
        with _available():
            raw = self._items(keys=self._keys(namespace, collection)[:2])
        return [json.loads(v) for v in raw]

    def page(
        self, namespace: str, collection: str, start: int, stop: int, newest_first: bool
    ) -> tuple[list[dict[str, Any]], int]:
        """Items ``start:stop`` in write order (newest first if asked) and the total, by rank
        in the order's sorted set: only the page is read."""
        if stop <= start:
            with _available():
                return [], int(self.client.zcard(self._keys(namespace, collection)[1]))
        hash_key, order_key = self._keys(namespace, collection)[:2]
        with _available():
            raw = self._page(keys=[order_key, hash_key], args=[start, stop - 1, int(newest_first)])
        return [json.loads(v) for v in raw[:-1]], int(raw[-1])

    def delete(self, namespace: str, collection: str, key: str) -> bool:
        """Remove ``key`` from the hash, the order and the accounts in one step; True when it
        was there."""
        with _available():
            return bool(self._delete(keys=self._keys(namespace, collection), args=[key, namespace]))

    def usage(self, namespace: str) -> tuple[int, int, int]:
        """(bytes in ``namespace``, bytes of its owner, the owner's namespaces)."""
        keys = self._keys(namespace, "")
        with _available():
            used = self.client.hget(keys[3], namespace)
            owned = self.client.get(keys[4])
            tenants = self.client.hlen(keys[3])
        return int(used or 0), int(owned or 0), int(tenants)

    def update(
        self,
        namespace: str,
        collection: str,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]:
        """``change(current)`` written only if nobody wrote the collection meanwhile (WATCH);
        retried otherwise. ``change`` may raise to leave it as it was."""
        keys = self._keys(namespace, collection)
        with _available():
            while True:
                with self.client.pipeline() as pipe:
                    try:
                        pipe.watch(keys[0])  # type: ignore[no-untyped-call]
                        raw = pipe.hget(keys[0], key)
                        new = change(None if raw is None else json.loads(raw))
                        pipe.multi()
                        args = self._args("put", namespace, [(key, new)])
                        self._write_script(keys=keys, args=args, client=pipe)
                        self._written(pipe.execute()[0])
                        return new
                    except redis.WatchError:
                        continue

    def _scan(self) -> Iterator[tuple[str, str]]:
        """(key, namespace) of every state key."""
        for kind in ("h", "o"):
            start = f"{self.prefix}:{kind}:"
            for raw in self.client.scan_iter(match=start + "*", count=1000):
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                yield name, name[len(start) :].partition(":")[2]

    def clear(self) -> None:
        self.clear_where(lambda namespace: True)

    def clear_where(self, match: Callable[[str], bool]) -> int:
        with _available():
            gone = [key for key, namespace in self._scan() if match(namespace)]
            for start in range(0, len(gone), 500):
                self.client.delete(*gone[start : start + 500])
            self._unaccount(match)
        return len({key.split(":", 2)[2] for key in gone})

    def _unaccount(self, match: Callable[[str], bool]) -> None:
        """Take cleared namespaces off their owners' accounts (a reset; not one step with
        writes racing it, which at worst leave an owner's count high until the next reset)."""
        start = f"{self.prefix}:u:"
        for raw in self.client.scan_iter(match=start + "*", count=1000):
            usage = raw.decode() if isinstance(raw, bytes) else str(raw)
            owned = f"{self.prefix}:b:{usage[len(start) :]}"
            for field, size in self.client.hgetall(usage).items():
                namespace = field.decode() if isinstance(field, bytes) else str(field)
                if match(namespace):
                    self.client.hdel(usage, field)
                    self.client.decrby(owned, int(size))
            if not self.client.hlen(usage):
                self.client.delete(owned)


class RedisJournal(Journal):
    """A :class:`~mock_server.journal.Journal` (the same three methods) kept in a capped Redis
    list, shared by every process. It subclasses only so the runtime's type stays one."""

    def __init__(self, client: redis.Redis, key: str, capacity: int = 500) -> None:
        self.client = client
        self.key = key
        self.capacity = capacity
        self._record = client.register_script(_RECORD)

    def record(self, entry: Mapping[str, Any]) -> None:
        # Best effort while Redis is away: the answer already went out; a journal line is lost.
        try:
            payload = json.dumps(dict(entry), default=str)
            self._record(keys=[self.key, self.key + ":id"], args=[payload, self.capacity])
        except redis.RedisError:
            return

    def query(
        self, api: str | None = None, status: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        with _available():
            raw = self.client.lrange(self.key, 0, -1)
        entries = [json.loads(v) for v in raw]
        out = [
            e
            for e in entries
            if (api is None or e.get("api") == api)
            and (status is None or e.get("status") == status)
        ]
        return out[: max(0, limit)]

    def clear(self) -> None:
        with _available():
            self.client.delete(self.key)
