"""Lists read from sorted indexes (store.Index): the same order as sorting everything, against
both stores, and a list over 10,000 stored items touches only its page (counted, not timed)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from mock_server.state.redisstore import RedisStore, connect
from mock_server.state.store import Index, MemoryStore, Store
from tests.conftest import make_mock, ns
from tests.mock.test_ziett import KEY, MESSAGES

BY_TIME: Index = ((), "created_at")
BY_STATUS_TIME: Index = (("status",), "created_at")
BY_STATUS: Index = ((), "status")
INDEXES = {"c": [BY_TIME, BY_STATUS_TIME, BY_STATUS]}


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore(max_items=150, indexes=INDEXES)
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisStore(connect(url), max_items=150, indexes=INDEXES)


def reference(
    items: list[dict[str, Any]], index: Index, where: tuple[str, ...], descending: bool
) -> list[dict[str, Any]]:
    """The list action's own rule, over everything: filter, then sort by the field with write
    order breaking ties."""
    filters, sort = index
    kept = [i for i in items if tuple(str(i.get(f)) for f in filters) == where]
    ranked = sorted(
        enumerate(kept), key=lambda p: (str(p[1].get(sort, "")), p[0]), reverse=descending
    )
    return [item for _, item in ranked]


def test_pages_equal_sorting_everything_through_writes_rewrites_deletes_and_evictions(
    store: Store,
) -> None:
    rng = random.Random(14)
    for n in range(200):  # past max_items: the oldest 50 are evicted
        key = f"k{rng.randrange(170)}"  # some keys rewritten (moved to the end)
        value: dict[str, Any] = {"id": key, "created_at": f"2026-01-{rng.randrange(1, 9):02d}"}
        if rng.random() < 0.8:  # some have no status: filtered as "None", sorted as ""
            value["status"] = rng.choice(["queued", "sent", "failed"])
        store.put("ns", "c", key, value)
        if n % 17 == 0:
            store.delete("ns", "c", f"k{rng.randrange(170)}")
    everything = store.items("ns", "c")
    assert 0 < len(everything) <= 150
    cases = [
        (BY_TIME, ()),
        (BY_STATUS, ()),
        *((BY_STATUS_TIME, (s,)) for s in ("queued", "sent", "failed", "None", "nope")),
    ]
    for index, where in cases:
        for descending in (True, False):
            expected = reference(everything, index, where, descending)
            for start, stop in ((0, 7), (7, 14), (0, 1000), (len(expected) - 3, len(expected) + 5)):
                got, total = store.page("ns", "c", index, where, max(0, start), stop, descending)
                assert total == len(expected)
                assert got == expected[max(0, start) : stop], (index, where, descending, start)
    assert store.page("other", "c", BY_TIME, (), 0, 10, True) == ([], 0)


def test_a_reset_drops_the_indexes_too(store: Store) -> None:
    store.put("ns", "c", "a", {"created_at": "1", "status": "sent"})
    store.clear()
    assert store.page("ns", "c", BY_STATUS_TIME, ("sent",), 0, 10, True) == ([], 0)
    store.put("ns", "c", "b", {"created_at": "2", "status": "sent"})
    assert store.page("ns", "c", BY_STATUS_TIME, ("sent",), 0, 10, True) == (
        [{"created_at": "2", "status": "sent"}],
        1,
    )


class CountingStore:
    """The mock's store, counting the items each call hands out."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.handed: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name == "items":

            def items(*args: Any) -> Any:
                out = found(*args)
                self.handed["items"] = self.handed.get("items", 0) + len(out)
                return out

            return items
        if name == "page":

            def page(*args: Any) -> Any:
                out = found(*args)
                self.handed["page"] = self.handed.get("page", 0) + len(out[0])
                return out

            return page
        return found


class CountingDict(dict[str, Any]):
    reads = 0

    def __getitem__(self, key: str) -> Any:
        CountingDict.reads += 1
        return super().__getitem__(key)


N = 10_000


def ziett_mock(**overrides: Any) -> Any:
    mock = make_mock(rate_limits=False, **overrides)
    namespace = ns("ziett", "sandbox")
    entries = [
        (
            f"m{n:05d}",
            {
                "id": f"m{n:05d}",
                "created_at": f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "status": "queued",
            },
        )
        for n in range(N)
    ]
    mock.runtime.store.add_many(namespace, "messages", entries)
    return mock, namespace


def test_a_list_over_ten_thousand_messages_touches_only_its_page() -> None:
    mock, namespace = ziett_mock()
    counting = CountingStore(mock.runtime.store)
    mock.runtime.store = counting
    collection = mock.runtime.store.inner._data[namespace]["messages"]
    collection.values = CountingDict(collection.values)
    CountingDict.reads = 0
    r = mock.request("GET", MESSAGES, params={"page": 3, "size": 30, "order": "asc"}, headers=KEY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == N and body["pages"] == -(-N // 30)
    assert [e["id"] for e in body["entries"]] == [f"m{n:05d}" for n in range(60, 90)]
    assert counting.handed == {"page": 30}  # never items(): nothing else was handed out
    assert CountingDict.reads == 30  # and inside the store, only the page's values were read
    # an order the index does not keep would sort everything: status is one of order_fields
    r = mock.request("GET", MESSAGES, params={"order_by": "status", "size": 5}, headers=KEY)
    assert r.status_code == 200 and counting.handed == {"page": 35}


def test_on_redis_a_list_reads_only_its_page(redis_url: str) -> None:
    """Redis counts the commands our scripts run: one HGET per listed item, not per stored one."""
    mock, _ = ziett_mock(store=redis_url)
    client = connect(redis_url)

    def hgets() -> int:
        return int(client.info("commandstats").get("cmdstat_hget", {}).get("calls", 0))

    before = hgets()
    r = mock.request("GET", MESSAGES, params={"page": 2, "size": 30}, headers=KEY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == N
    assert [e["id"] for e in body["entries"]] == [f"m{n:05d}" for n in range(N - 31, N - 61, -1)]
    assert hgets() - before == 30
