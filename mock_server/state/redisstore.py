"""State on Redis (``--store redis://host:port/db``), so several workers and hosts act as one mock.

What lives here, under one key prefix (``mock`` by default):

* the :class:`~mock_server.state.store.Store`: per (namespace, collection) a hash
  ``<p>:h:<collection>:<namespace>`` of items (JSON) and a sorted set
  ``<p>:o:<collection>:<namespace>`` of their write order (lists page from it by rank). A
  namespace is ``json.dumps([api, credential, *partition])`` (auth.py), so keys are namespaced
  per API, credential and tenant. Bounds as in memory (store.py): per owner (credential) a hash
  ``<p>:u:<owner>`` of its namespaces' stored bytes (its length is the tenant count) and a
  counter ``<p>:b:<owner>`` of its bytes, checked against the
  :class:`~mock_server.state.store.Budget` before a write, which is refused whole
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

from mock_server.core.problems import Rejection
from mock_server.state.journal import Journal, bounded_text, select
from mock_server.state.store import Budget, Index, index_values, own_namespace, storage_full

# Sorted indexes (store.Index): per index a sorted set ``<p>:i<n>:<collection>:<namespace>`` of
# members "<values joined by NUL>\0<write number, 16 digits>" (all scores 0, so ordered
# lexicographically: by values, then write order); ``<p>:x:<collection>:<namespace>`` maps each
# key to its members (JSON), so a rewrite, eviction or delete removes the old ones. The write
# number leads back to the key through the order set (its score).
_UNINDEX = """
local function unindex(x, key, first)
  local old = redis.call('HGET', x, key)
  if old then
    for j, member in ipairs(cjson.decode(old)) do
      redis.call('ZREM', KEYS[first + j - 1], member)
    end
    redis.call('HDEL', x, key)
  end
end
"""

# KEYS: hash, order, seq, usage (hash namespace -> bytes, per owner), owned (bytes, per owner),
# members (x), then one sorted set per index. ARGV: mode, max_items, namespace, namespace budget,
# owner budget, tenant cap, index count k, then per entry: key, value, k member prefixes.
# Checks the budget for the whole batch before writing anything; returns {0, flag per entry (1
# written)} or {1|2|3} when the tenant cap, namespace or owner budget refuses.
_WRITE = (
    _UNINDEX
    + """
local h, o, usage, owned, x = KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6]
local mode, cap, ns, k = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[7])
local out, todo, seen, grow = {0}, {}, {}, 0
for i = 8, #ARGV, 2 + k do
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
  if k > 0 then
    unindex(x, ARGV[i], 7)
    local members = {}
    for j = 1, k do
      members[j] = ARGV[i + 1 + j] .. string.format('%016d', n)
      redis.call('ZADD', KEYS[6 + j], 0, members[j])
    end
    redis.call('HSET', x, ARGV[i], cjson.encode(members))
  end
end
local extra = redis.call('ZCARD', o) - cap
if extra > 0 then
  local gone = redis.call('ZPOPMIN', o, extra)
  for i = 1, #gone, 2 do
    grow = grow - redis.call('HSTRLEN', h, gone[i])
    redis.call('HDEL', h, gone[i])
    if k > 0 then unindex(x, gone[i], 7) end
  end
end
if redis.call('HINCRBY', usage, ns, grow) <= 0 then redis.call('HDEL', usage, ns) end
redis.call('INCRBY', owned, grow)
return out
"""
)

# KEYS: index set, order, hash. ARGV: lexical min and max of the run (``-``/``+`` for all),
# first and last position in it, descending ("1"). The page's values (by rank: O(log N + page)),
# then the run's size.
_PAGE = """
local below, total
if ARGV[1] == '-' then
  below, total = 0, redis.call('ZCARD', KEYS[1])
else
  below = redis.call('ZLEXCOUNT', KEYS[1], '-', '(' .. string.sub(ARGV[1], 2))
  total = redis.call('ZLEXCOUNT', KEYS[1], ARGV[1], ARGV[2])
end
local first, last = tonumber(ARGV[3]), math.min(tonumber(ARGV[4]), total - 1)
local out = {}
if first <= last then
  local members
  if ARGV[5] == '1' then
    members = redis.call('ZRANGE', KEYS[1], below + total - 1 - last, below + total - 1 - first)
    local reversed = {}
    for j = #members, 1, -1 do reversed[#reversed + 1] = members[j] end
    members = reversed
  else
    members = redis.call('ZRANGE', KEYS[1], below + first, below + last)
  end
  for _, member in ipairs(members) do
    local n = string.sub(member, -16)
    local key = redis.call('ZRANGEBYSCORE', KEYS[2], n, n, 'LIMIT', 0, 1)[1]
    if key then out[#out + 1] = redis.call('HGET', KEYS[3], key) end
  end
end
out[#out + 1] = total
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

# KEYS: as _WRITE's; ARGV: key, namespace, index count
_DELETE = (
    _UNINDEX
    + """
local size = redis.call('HSTRLEN', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if tonumber(ARGV[3]) > 0 then unindex(KEYS[6], ARGV[1], 7) end
if redis.call('HINCRBY', KEYS[4], ARGV[2], -size) <= 0 then redis.call('HDEL', KEYS[4], ARGV[2]) end
redis.call('INCRBY', KEYS[5], -size)
return 1
"""
)

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


_LIMITS = {1: "tenants", 2: "namespace", 3: "credential"}


def _member_prefix(values: Sequence[str]) -> str:
    """An index member's start: the values, each closed by NUL (they hold none), so that
    byte order is the order of the values as a tuple."""
    return "".join(value + "\0" for value in values)


class RedisStore:
    """The :class:`~mock_server.state.store.Store` on Redis; see the module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "mock",
        max_items: int = 10_000,
        budget: Budget | None = None,
        owner: Callable[[str], str] = own_namespace,
        indexes: Mapping[str, Sequence[Index]] | None = None,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.max_items = max_items
        self.indexes = {name: tuple(found) for name, found in (indexes or {}).items()}
        self.budget = budget or Budget()
        self.owner = owner
        self._write_script = client.register_script(_WRITE)
        self._page = client.register_script(_PAGE)
        self._items = client.register_script(_ITEMS)
        self._delete = client.register_script(_DELETE)

    def _keys(self, namespace: str, collection: str) -> list[str]:
        tail = f"{collection}:{namespace}"
        owner = self.owner(namespace)
        indexes = self.indexes.get(collection, ())
        return [
            f"{self.prefix}:h:{tail}",
            f"{self.prefix}:o:{tail}",
            f"{self.prefix}:seq",
            f"{self.prefix}:u:{owner}",
            f"{self.prefix}:b:{owner}",
            f"{self.prefix}:x:{tail}",
            *(f"{self.prefix}:i{n}:{tail}" for n in range(len(indexes))),
        ]

    def _args(
        self, mode: str, namespace: str, collection: str, entries: Sequence[tuple[str, Any]]
    ) -> list[str | int]:
        budget = self.budget
        indexes = self.indexes.get(collection, ())
        args: list[str | int] = [mode, self.max_items, namespace]
        args += [budget.namespace_bytes, budget.credential_bytes, budget.tenants, len(indexes)]
        for key, value in entries:
            args += [key, json.dumps(value, default=str)]
            args += [_member_prefix(index_values(index, value)) for index in indexes]
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
        args = self._args("put", namespace, collection, [(key, value)])
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
        args = self._args("add", namespace, collection, entries)
        with _available():
            return self._written(
                self._write_script(keys=self._keys(namespace, collection), args=args)
            )

    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]:
        with _available():
            raw = self._items(keys=self._keys(namespace, collection)[:2])
        return [json.loads(v) for v in raw]

    def indexed(self, collection: str, index: Index) -> bool:
        return index in self.indexes.get(collection, ())

    def page(
        self,
        namespace: str,
        collection: str,
        index: Index,
        where: tuple[str, ...],
        start: int,
        stop: int,
        descending: bool,
    ) -> tuple[list[dict[str, Any]], int]:
        """Items ``start:stop`` of those whose filter fields equal ``where``, in ``index``'s
        order (reversed if ``descending``), and how many there are: ranks in the index's sorted
        set (O(log N + page)), never the whole collection."""
        keys = self._keys(namespace, collection)
        ranked = keys[6 + self.indexes[collection].index(index)]
        low, high = "-", "+"
        if where:
            run = _member_prefix(where)
            low, high = "[" + run, "(" + run[:-1] + "\x01"
        args: list[str | int] = [low, high, max(0, start), stop - 1, int(descending)]
        with _available():
            raw = self._page(keys=[ranked, keys[1], keys[0]], args=args)
        return [json.loads(v) for v in raw[:-1]], int(raw[-1])

    def delete(self, namespace: str, collection: str, key: str) -> bool:
        """Remove ``key`` from the hash, the order and the accounts in one step; True when it
        was there."""
        with _available():
            keys = self._keys(namespace, collection)
            indexes = len(self.indexes.get(collection, ()))
            return bool(self._delete(keys=keys, args=[key, namespace, indexes]))

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
                        args = self._args("put", namespace, collection, [(key, new)])
                        self._write_script(keys=keys, args=args, client=pipe)
                        self._written(pipe.execute()[0])
                        return new
                    except redis.WatchError:
                        continue

    def _scan(self) -> Iterator[tuple[str, str]]:
        """(key, namespace) of every state key."""
        most = max((len(found) for found in self.indexes.values()), default=0)
        for kind in ("h", "o", "x", *(f"i{n}" for n in range(most))):
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
    """A :class:`~mock_server.state.journal.Journal` (the same three methods) kept in a capped Redis
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
        return select(map(json.loads, raw), api, status, limit)

    def clear(self) -> None:
        with _available():
            pipe = self.client.pipeline()
            pipe.delete(self.key, self.key + ":bytes")
            pipe.incr(self.key + ":generation")  # every worker's scheduled work sees the reset
            pipe.execute()

    def generation(self) -> int:
        with _available():
            return int(self.client.get(self.key + ":generation") or 0)

    def total_bytes(self) -> int:
        with _available():
            return int(self.client.get(self.key + ":bytes") or 0)
