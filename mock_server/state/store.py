"""State behind one small interface; in memory by default, bounded in bytes, isolated per
namespace.

A namespace is a principal (a sandbox credential plus its partition values, e.g. tenant and
sub-tenant): one never sees another's data. Collections keep write order (a write moves an item
to the end). A collection can also be kept sorted by declared :data:`Index` es (the profiles'
list actions declare them, runtime.py passes them in): ``page`` then answers one page of items
with given filter values in sort order, touching only that page, however much is stored.

Memory is bounded per *owner* (the credential a namespace belongs to; ``owner`` maps a namespace
to it, runtime.py passes auth's rule): a :class:`Budget` of stored bytes per owner and per
namespace (a value's size is the length of its JSON) and a cap on an owner's namespaces
(tenants). A write that would go over is refused (``Rejection("storage_full")``, the profile
words it) and changes nothing: what was accepted before is never dropped to make room, and one
owner's writes never evict another's. Within one collection at most ``max_items`` items are kept
(the oldest of that collection dropped); that bound never reaches another namespace.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sortedcontainers import SortedDict, SortedList

from mock_server.core.problems import Rejection

MiB = 1 << 20

# A sorted view of a collection: (filter fields, sort field). Items are ordered by their filter
# fields' values, then the sort field's, then write order (the list action's own tie-break), so
# the items with given filter values are one run of it, sorted.
Index = tuple[tuple[str, ...], str]


def index_values(index: Index, value: Mapping[str, Any]) -> tuple[str, ...]:
    """Where ``value`` sorts in ``index``: its filter fields as the list action compares them
    (``str(value)``, None included), then its sort field (``str``, missing as "")."""
    filters, sort = index
    return (*(str(value.get(f)) for f in filters), str(value.get(sort, "")))


@dataclass(frozen=True)
class Budget:
    credential_bytes: int = 64 * MiB
    namespace_bytes: int = 16 * MiB
    tenants: int = 100  # namespaces per owner


def storage_full(limit: str) -> Rejection:
    """The refusal of a write over ``limit`` (``credential``, ``namespace`` or ``tenants``)."""
    return Rejection("storage_full", params={"limit": limit})


def size_of(value: Any) -> int:
    """A stored value's size: the length of its JSON (ASCII-escaped, so also its bytes)."""
    return len(json.dumps(value, default=str))


class Store(Protocol):
    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None: ...
    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None: ...
    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool: ...
    def add_many(
        self, namespace: str, collection: str, entries: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[bool]: ...
    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]: ...
    def page(
        self,
        namespace: str,
        collection: str,
        index: Index,
        where: tuple[str, ...],
        start: int,
        stop: int,
        descending: bool,
    ) -> tuple[list[dict[str, Any]], int]: ...
    def indexed(self, collection: str, index: Index) -> bool: ...
    def update(
        self,
        namespace: str,
        collection: str,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]: ...
    def delete(self, namespace: str, collection: str, key: str) -> bool: ...
    def usage(self, namespace: str) -> tuple[int, int, int]: ...
    def clear(self) -> None: ...
    def clear_where(self, match: Callable[[str], bool]) -> int: ...


@dataclass
class _Collection:
    indexes: tuple[Index, ...] = ()
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)  # key -> its write number
    order: SortedDict = field(default_factory=SortedDict)  # write number -> key
    # per index: (*index_values, write number, key), sorted
    sorted: list[SortedList] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sorted = [SortedList() for _ in self.indexes]

    def write(self, key: str, value: dict[str, Any], size: int, seq: int) -> None:
        if key in self.seqs:
            self.remove(key)
        self.values[key], self.sizes[key], self.seqs[key] = value, size, seq
        self.order[seq] = key
        for index, entries in zip(self.indexes, self.sorted, strict=True):
            entries.add((*index_values(index, value), seq, key))

    def remove(self, key: str) -> int:
        """Drop ``key``; the bytes freed."""
        seq = self.seqs.pop(key)
        del self.order[seq]
        value = self.values.pop(key)
        for index, entries in zip(self.indexes, self.sorted, strict=True):
            entries.remove((*index_values(index, value), seq, key))
        return self.sizes.pop(key)

    def trim(self, max_items: int) -> int:
        """Drop the oldest beyond ``max_items``; the bytes freed."""
        freed = 0
        while len(self.values) > max_items:
            freed += self.remove(self.order.peekitem(0)[1])
        return freed

    def page(
        self, index: Index, where: tuple[str, ...], start: int, stop: int, descending: bool
    ) -> tuple[list[dict[str, Any]], int]:
        entries = self.sorted[self.indexes.index(index)]
        lo, hi = 0, len(entries)
        if where:  # the run of entries starting with ``where`` (no value holds a NUL)
            lo = entries.bisect_left(where)
            hi = entries.bisect_left((*where[:-1], where[-1] + "\0"))
        total = hi - lo
        if descending:
            picked = entries[max(lo, hi - stop) : max(lo, hi - start)][::-1]
        else:
            picked = entries[min(hi, lo + start) : min(hi, lo + stop)]
        return [self.values[entry[-1]] for entry in picked], total


def own_namespace(namespace: str) -> str:
    """The default owner of a namespace: itself (budgets per namespace only)."""
    return namespace


class MemoryStore:
    """The default :class:`Store`. Thread-safe (FlaskApp handlers run in threads)."""

    def __init__(
        self,
        max_items: int = 10_000,
        budget: Budget | None = None,
        owner: Callable[[str], str] = own_namespace,
        indexes: Mapping[str, Sequence[Index]] | None = None,
    ) -> None:
        self.max_items = max_items
        self.indexes = {name: tuple(found) for name, found in (indexes or {}).items()}
        self.budget = budget or Budget()
        self.owner = owner
        self._data: dict[str, dict[str, _Collection]] = {}
        self._bytes: dict[str, int] = {}  # namespace -> stored bytes
        self._owned: dict[str, int] = {}  # owner -> stored bytes
        self._tenants: dict[str, set[str]] = {}  # owner -> its namespaces holding data
        self._seq = 0
        self._lock = threading.Lock()

    # --- budget ---------------------------------------------------------------------------

    def _admit(self, namespace: str, grow: int) -> None:
        """Refuse (before anything is written) a write adding ``grow`` bytes over a budget."""
        owner = self.owner(namespace)
        if namespace not in self._bytes and len(self._tenants.get(owner, ())) >= (
            self.budget.tenants
        ):
            raise storage_full("tenants")
        if grow <= 0:
            return
        if self._bytes.get(namespace, 0) + grow > self.budget.namespace_bytes:
            raise storage_full("namespace")
        if self._owned.get(owner, 0) + grow > self.budget.credential_bytes:
            raise storage_full("credential")

    def _account(self, namespace: str, delta: int) -> None:
        owner = self.owner(namespace)
        self._owned[owner] = self._owned.get(owner, 0) + delta
        used = self._bytes.get(namespace, 0) + delta
        if used > 0:
            self._bytes[namespace] = used
            self._tenants.setdefault(owner, set()).add(namespace)
            return
        self._bytes[namespace] = 0  # emptied by a delete: no longer one of the owner's tenants
        self._forget(namespace)

    def _forget(self, namespace: str) -> None:
        """Drop an empty (or cleared) namespace from every account."""
        owner = self.owner(namespace)
        self._owned[owner] = self._owned.get(owner, 0) - self._bytes.pop(namespace, 0)
        self._data.pop(namespace, None)
        tenants = self._tenants.get(owner, set())
        tenants.discard(namespace)
        if not tenants:
            self._tenants.pop(owner, None)
            self._owned.pop(owner, None)

    def usage(self, namespace: str) -> tuple[int, int, int]:
        """(bytes in ``namespace``, bytes of its owner, the owner's namespaces)."""
        owner = self.owner(namespace)
        with self._lock:
            return (
                self._bytes.get(namespace, 0),
                self._owned.get(owner, 0),
                len(self._tenants.get(owner, ())),
            )

    # --- reads ----------------------------------------------------------------------------

    def _find(self, namespace: str, collection: str) -> _Collection | None:
        return self._data.get(namespace, {}).get(collection)

    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._find(namespace, collection)
            return None if found is None else found.values.get(key)

    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._find(namespace, collection)
            return [] if found is None else [found.values[k] for k in found.order.values()]

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
        order (reversed if ``descending``), and how many there are; only the page is touched."""
        with self._lock:
            found = self._find(namespace, collection)
            if found is None:
                return [], 0
            return found.page(index, where, start, stop, descending)

    # --- writes ---------------------------------------------------------------------------

    def _write(
        self, namespace: str, collection: str, entries: Sequence[tuple[str, dict[str, Any]]]
    ) -> None:
        """Write ``entries`` as one step: all of them, or (over a budget) none."""
        found = self._find(namespace, collection)
        sizes = [size_of(value) for _, value in entries]
        replaced = sum(found.sizes.get(k, 0) for k, _ in entries) if found else 0
        self._admit(namespace, sum(sizes) - replaced)
        space = self._data.setdefault(namespace, {})
        items = space.get(collection)
        if items is None:
            items = space[collection] = _Collection(self.indexes.get(collection, ()))
        delta = 0
        for (key, value), size in zip(entries, sizes, strict=True):
            delta += size - items.sizes.get(key, 0)
            self._seq += 1
            items.write(key, value, size, self._seq)
        delta -= items.trim(self.max_items)
        self._account(namespace, delta)

    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._write(namespace, collection, [(key, value)])

    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool:
        """Insert unless ``key`` is present; True when inserted (idempotent create)."""
        return self.add_many(namespace, collection, [(key, value)])[0]

    def add_many(
        self, namespace: str, collection: str, entries: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[bool]:
        """:meth:`add` for a batch, as one step: each entry whose key is neither stored nor
        earlier in the batch is inserted; over a budget, none is. Which were inserted."""
        with self._lock:
            found = self._find(namespace, collection)
            seen: set[str] = set(found.values) if found else set()
            fresh = []
            for key, _ in entries:
                fresh.append(key not in seen)
                seen.add(key)
            new = [entry for entry, ok in zip(entries, fresh, strict=True) if ok]
            if new:
                self._write(namespace, collection, new)
            return fresh

    def update(
        self,
        namespace: str,
        collection: str,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]:
        """Replace the item at ``key`` with ``change(current)`` as one step (a read-modify-
        write that two threads cannot interleave). ``change`` may raise to leave it as it was;
        it must not call the store."""
        with self._lock:
            found = self._find(namespace, collection)
            new = change(None if found is None else found.values.get(key))
            self._write(namespace, collection, [(key, new)])
            return new

    def delete(self, namespace: str, collection: str, key: str) -> bool:
        """Remove ``key``; True when it was there."""
        with self._lock:
            found = self._find(namespace, collection)
            if found is None or key not in found.values:
                return False
            self._account(namespace, -found.remove(key))
            return True

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes.clear()
            self._owned.clear()
            self._tenants.clear()

    def clear_where(self, match: Callable[[str], bool]) -> int:
        """Drop every namespace ``match`` admits (one partner's reset); how many went."""
        with self._lock:
            gone = [ns for ns in self._data if match(ns)]
            for ns in gone:
                self._forget(ns)
            return len(gone)
