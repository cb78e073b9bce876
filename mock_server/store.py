"""State behind one small interface; in memory by default, bounded, isolated per namespace.

A namespace is a principal (a sandbox credential plus its partition values, e.g. tenant and
sub-tenant): one never sees another's data. Collections keep insertion order. Memory is bounded
two ways, both evicting least-recently-used: at most ``max_namespaces`` namespaces, and at most
``max_items`` items per collection.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol


class Store(Protocol):
    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None: ...
    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None: ...
    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool: ...
    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]: ...
    def update(
        self,
        namespace: str,
        collection: str,
        key: str,
        change: Callable[[dict[str, Any] | None], dict[str, Any]],
    ) -> dict[str, Any]: ...
    def delete(self, namespace: str, collection: str, key: str) -> bool: ...
    def clear(self) -> None: ...
    def clear_where(self, match: Callable[[str], bool]) -> int: ...


class MemoryStore:
    """The default :class:`Store`. Thread-safe (FlaskApp handlers run in threads)."""

    def __init__(self, max_namespaces: int = 1000, max_items: int = 10_000) -> None:
        self.max_namespaces = max_namespaces
        self.max_items = max_items
        self._data: OrderedDict[str, dict[str, OrderedDict[str, dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()

    def _collection(self, namespace: str, collection: str) -> OrderedDict[str, dict[str, Any]]:
        space = self._data.get(namespace)
        if space is None:
            space = self._data[namespace] = {}
            while len(self._data) > self.max_namespaces:
                self._data.popitem(last=False)
        self._data.move_to_end(namespace)
        return space.setdefault(collection, OrderedDict())

    def get(self, namespace: str, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._collection(namespace, collection).get(key)

    def put(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            items = self._collection(namespace, collection)
            items[key] = value
            items.move_to_end(key)
            while len(items) > self.max_items:
                items.popitem(last=False)

    def add(self, namespace: str, collection: str, key: str, value: dict[str, Any]) -> bool:
        """Insert unless ``key`` is present; True when inserted (idempotent create)."""
        with self._lock:
            items = self._collection(namespace, collection)
            if key in items:
                return False
            items[key] = value
            while len(items) > self.max_items:
                items.popitem(last=False)
            return True

    def items(self, namespace: str, collection: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._collection(namespace, collection).values())

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
            items = self._collection(namespace, collection)
            new = change(items.get(key))
            items[key] = new
            items.move_to_end(key)
            while len(items) > self.max_items:
                items.popitem(last=False)
            return new

    def delete(self, namespace: str, collection: str, key: str) -> bool:
        """Remove ``key``; True when it was there."""
        with self._lock:
            return self._collection(namespace, collection).pop(key, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def clear_where(self, match: Callable[[str], bool]) -> int:
        """Drop every namespace ``match`` admits (one partner's reset); how many went."""
        with self._lock:
            gone = [ns for ns in self._data if match(ns)]
            for ns in gone:
                del self._data[ns]
            return len(gone)
