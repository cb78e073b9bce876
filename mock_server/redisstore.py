"""State on Redis (``--store redis://host:port/db``), so several workers and hosts act as one mock.

What lives here, under one key prefix (``mock`` by default):

* the :class:`~mock_server.store.Store`: per (namespace, collection) a hash ``<p>:h:<collection>:
  <namespace>`` of items (JSON) and a sorted set ``<p>:o:<collection>:<namespace>`` of their
  insertion order. A namespace is ``json.dumps([api, credential, *partition])`` (auth.py), so
  keys are namespaced per API, credential and tenant. Bounds as in memory: at most ``max_items``
  per collection (oldest dropped), and instead of a namespace count a TTL (``idle_ttl``, renewed
  on every write), so an idle namespace expires rather than growing the data set forever;
* the request journal and the callback journal: capped lists (``LTRIM``), newest first;
* rate-limit windows: ``limits``' own Redis storage (keys ``LIMITS:*``), see runtime.py.

Atomicity across processes. Fixed read-modify-writes (``put``, ``add``: insert, order, trim,
renew TTL; a journal append: next id, push, trim; ``items``: order then values) are Lua scripts,
one round trip that Redis runs without interleaving. ``update`` applies a *Python* function (a
state action's own logic, e.g. spending a balance), which cannot move into Lua without writing
each behaviour twice; it uses WATCH/MULTI instead (optimistic: read, compute, write only if the
hash was untouched meanwhile, else retry).

Redis unreachable: every operation raises ``Rejection("unavailable")``, which the error handlers
answer in the partner's envelope with 503 and ``Retry-After``; nothing is acknowledged that was
not written. The client reconnects by itself when Redis returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis

from .journal import Journal, bounded_text
from .problems import Rejection

_PUT = """
if ARGV[5] == 'add' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], n, ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if extra > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], extra)
  for i = 1, #gone, 2 do redis.call('HDEL', KEYS[1], gone[i]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""

_ITEMS = """
local out = {}
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local value = redis.call('HGET', KEYS[1], key)
  if value then out[#out + 1] = value end
end
return out
"""

_DELETE = """
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
"""

# The entry arrives as a JSON object without its id; the id is spliced in front here so that
# numbering and order agree across processes (cjson would turn an empty list into {}).
# The journal list, bounded by count (ARGV[2]) and by total bytes (ARGV[3], kept in KEYS[3]):
# the oldest entries leave first, in one atomic step.
_RECORD = """
local id = redis.call('INCR', KEYS[2])
local item = '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2)
redis.call('LPUSH', KEYS[1], item)
local total = redis.call('INCRBY', KEYS[3], #item)
local count = redis.call('LLEN', KEYS[1])
while count > 0 and (count > tonumber(ARGV[2]) or total > tonumber(ARGV[3])) do
  local old = redis.call('RPOP', KEYS[1])
  total = redis.call('DECRBY', KEYS[3], #old)
  count = count - 1
end
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


class RedisStore:
    """The :class:`~mock_server.store.Store` on Redis; see the module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "mock",
        max_items: int = 10_000,
        idle_ttl: int = 86_400,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.max_items = max_items
        self.idle_ttl = idle_ttl
        self._put = client.register_script(_PUT)
        self._items = client.register_script(_ITEMS)
        self._delete = client.register_script(_DELETE)

    def _keys(self, namespace: str, collection: str) -> list[str]:
        tail = f"{collection}:{namespace}"
        return [f"{self.prefix}:h:{tail}", f"{self.prefix}:o:{tail}", f"{self.prefix}:seq"]

    def _write(self, mode: str, namespace: str, collection: str, key: str, value: Any) -> bool:
        args: list[str | int] = [key, json.dumps(value), self.max_items, self.idle_ttl, mode]
        with _available():
            return bool(self._put(keys=self._keys(namespace, collection), args=args))

    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None:
        with _available():
            raw = self.client.hget(self._keys(namespace, collection)[0], key)
        return None if raw is None else json.loads(raw)

    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None:
        self._write("put", namespace, collection, key, value)

    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool:
        """Insert unless ``key`` is present; True when inserted (idempotent across processes)."""
        return self._write("add", namespace, collection, key, value)

    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]:
        with _available():
            raw = self._items(keys=self._keys(namespace, collection)[:2])
        return [json.loads(v) for v in raw]

    def delete(self, namespace: str, collection: str, key: str) -> bool:
        """Remove ``key`` from the hash and the order in one step; True when it was there."""
        with _available():
            return bool(self._delete(keys=self._keys(namespace, collection)[:2], args=[key]))

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
                        args: list[str | int] = [
                            key,
                            json.dumps(new),
                            self.max_items,
                            self.idle_ttl,
                            "put",
                        ]
                        self._put(keys=keys, args=args, client=pipe)
                        pipe.execute()
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
        return len({key.split(":", 2)[2] for key in gone})


class RedisJournal(Journal):
    """A :class:`~mock_server.journal.Journal` (the same three methods) kept in a capped Redis
    list, shared by every process. It subclasses only so the runtime's type stays one."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        capacity: int = 500,
        max_bytes: int = 4 << 20,
        entry_bytes: int = 8192,
    ) -> None:
        self.client = client
        self.key = key
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.entry_bytes = entry_bytes
        self._record = client.register_script(_RECORD)

    def record(self, entry: Mapping[str, Any]) -> None:
        # Best effort while Redis is away: the answer already went out; a journal line is lost.
        try:
            payload = bounded_text(entry, self.entry_bytes)[1]
            self._record(
                keys=[self.key, self.key + ":id", self.key + ":bytes"],
                args=[payload, self.capacity, self.max_bytes],
            )
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
            self.client.delete(self.key, self.key + ":bytes")

    def total_bytes(self) -> int:
        with _available():
            return int(self.client.get(self.key + ":bytes") or 0)
